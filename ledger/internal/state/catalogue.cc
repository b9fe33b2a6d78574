// The catalogue: listed items, restocks, withdrawals and the vouchers handed over
// within stock.
#include <algorithm>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

std::vector<ItemView> LedgerState::Impl::Items() const {
  std::vector<ItemView> out;
  for (const auto& [id, item] : items_) {
    if (!item.listed) continue;
    const auto& c = *item.node->As<CatalogItem>();
    out.push_back({id, AccountOf(item.node->e().author), c.name, c.price, item.stock,
                   item.fulfilled, item.withdrawn});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::vector<EntryId> LedgerState::Impl::FulfilsOf(const EntryId& redeem) const {
  std::vector<EntryId> out;
  if (auto it = fulfils_by_redeem_.find(redeem); it != fulfils_by_redeem_.end()) {
    for (const Node* n : it->second) out.push_back(n->id());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void LedgerState::Impl::TouchItemOfRedeem(const Node* redeem) {
  if (fulfils_by_redeem_.count(redeem->id())) {
    items_to_recompute_.insert(redeem->As<Redeem>()->item);
  }
}

void LedgerState::Impl::RecomputeItem(const EntryId& id) {
  auto node_it = item_nodes_.find(id);
  if (node_it == item_nodes_.end()) return;
  if (trial_ && !trial_full_ && !item_undo_.count(id)) {
    auto old = items_.find(id);
    item_undo_.emplace(id, old == items_.end() ? std::nullopt : std::optional(old->second));
  }
  const Node* node = node_it->second;
  ItemState item;
  item.node = node;
  touched_items_.insert(id);
  if (!Active(node)) {
    items_[id] = std::move(item);
    return;
  }
  if (!Authorised(node)) {
    item.findings.push_back({id, {FindingCode::kRoleMissing, {}}});
    items_[id] = std::move(item);
    return;
  }
  item.listed = true;
  const auto& catalog = *node->As<CatalogItem>();
  const PublicKey station = AccountOf(node->e().author);
  item.stock = catalog.stock;
  // Where in the station account's chain (key, seq) an entry of it stands: a
  // withdrawal holds from there on, whatever order entries arrive in.
  auto position = [&](const Node* n) { return std::pair(KeyIndex(n->e().author), n->e().seq); };
  std::optional<std::pair<std::uint32_t, std::uint64_t>> withdrawn_at;
  if (auto it = withdraws_by_item_.find(id); it != withdraws_by_item_.end()) {
    for (const Node* w : it->second) {
      if (!Active(w)) continue;
      if (AccountOf(w->e().author) != station || !Authorised(w)) {
        item.findings.push_back({w->id(), {FindingCode::kRoleMissing, {}}});
        continue;
      }
      if (!withdrawn_at || position(w) < *withdrawn_at) withdrawn_at = position(w);
    }
  }
  item.withdrawn = withdrawn_at.has_value();
  if (auto it = restocks_by_item_.find(id); it != restocks_by_item_.end()) {
    for (const Node* r : it->second) {
      if (!Active(r)) continue;
      if (AccountOf(r->e().author) != station || !Authorised(r)) {
        item.findings.push_back({r->id(), {FindingCode::kRoleMissing, {}}});
        continue;
      }
      if (withdrawn_at && position(r) > *withdrawn_at) {
        item.findings.push_back({r->id(), {FindingCode::kItemWithdrawn, {}}});
        continue;
      }
      item.stock += r->As<Restock>()->added;
    }
  }
  std::vector<std::pair<const Node*, const Node*>> fulfils;  // (fulfil, redeem)
  if (auto it = redeems_with_fulfils_by_item_.find(id); it != redeems_with_fulfils_by_item_.end()) {
    for (const Node* redeem : it->second) {
      for (const Node* fulfil : fulfils_by_redeem_.at(redeem->id())) {
        fulfils.push_back({fulfil, redeem});
      }
    }
  }
  std::sort(fulfils.begin(), fulfils.end(),
            [](const auto& x, const auto& y) { return x.first->id() < y.first->id(); });
  IdSet fulfilled;
  for (const auto& [f, redeem] : fulfils) {
    if (!Active(f)) continue;
    const auto& voucher = *redeem->As<Redeem>();
    const EntryId fulfil_id = f->id();  // clang 14 cannot capture a structured binding
    auto finding = [&](FindingCode code) { item.findings.push_back({fulfil_id, {code, {}}}); };
    if (!Authorised(f)) {
      finding(FindingCode::kRoleMissing);
    } else if (AccountOf(f->e().author) != station || AccountOf(voucher.station) != station ||
               voucher.points < catalog.price) {
      finding(FindingCode::kVoucherMismatch);
    } else if (!redeem->funded) {
      finding(FindingCode::kUnfunded);
    } else if (!fulfilled.insert(redeem->id()).second) {
      finding(FindingCode::kAlreadyFulfilled);
    } else if (item.stock == 0) {
      finding(FindingCode::kOutOfStock);  // handed over beyond stock: flagged, stock stays 0
    } else {
      --item.stock;
      ++item.fulfilled;
    }
  }
  items_[id] = std::move(item);
}

void LedgerState::Impl::IndexCatalogue(Node* n) {
  if (auto* d = n->As<Redeem>()) {
    if (fulfils_by_redeem_.count(n->id())) redeems_with_fulfils_by_item_[d->item].push_back(n);
  } else if (n->As<CatalogItem>()) {
    item_nodes_[n->id()] = n;
  } else if (auto* s = n->As<Restock>()) {
    restocks_by_item_[s->item].push_back(n);
  } else if (auto* w = n->As<CatalogWithdraw>()) {
    withdraws_by_item_[w->item].push_back(n);
  } else if (auto* f = n->As<Fulfil>()) {
    auto& fulfils = fulfils_by_redeem_[f->redeem];
    fulfils.push_back(n);
    auto redeem = nodes_.find(f->redeem);
    if (fulfils.size() == 1 && redeem != nodes_.end() && redeem->second->connected &&
        redeem->second->As<Redeem>()) {
      redeems_with_fulfils_by_item_[redeem->second->As<Redeem>()->item].push_back(
          redeem->second.get());
    }
  }
}

void LedgerState::Impl::UnIndexCatalogue(Node* n) {
  if (auto* d = n->As<Redeem>()) {
    EraseFromList(redeems_with_fulfils_by_item_, d->item, n);
  } else if (n->As<CatalogItem>()) {
    item_nodes_.erase(n->id());
  } else if (auto* s = n->As<Restock>()) {
    EraseFromList(restocks_by_item_, s->item, n);
  } else if (auto* w = n->As<CatalogWithdraw>()) {
    EraseFromList(withdraws_by_item_, w->item, n);
  } else if (auto* f = n->As<Fulfil>()) {
    EraseFromList(fulfils_by_redeem_, f->redeem, n);
    const Node* redeem = FindAs<Redeem>(f->redeem);
    if (redeem && !fulfils_by_redeem_.count(f->redeem)) {
      EraseFromList(redeems_with_fulfils_by_item_, redeem->As<Redeem>()->item, redeem);
    }
  }
}

// A voucher's item is touched even when funding excludes its debit or sends the state
// to a full evaluation.
void LedgerState::Impl::ApplyCatalogue(Node* n) {
  if (n->As<Redeem>()) {
    TouchItemOfRedeem(n);
  } else if (n->As<CatalogItem>()) {
    items_to_recompute_.insert(n->id());
  } else if (auto* s = n->As<Restock>()) {
    items_to_recompute_.insert(s->item);
  } else if (auto* w = n->As<CatalogWithdraw>()) {
    items_to_recompute_.insert(w->item);
  } else if (auto* f = n->As<Fulfil>()) {
    if (const Node* redeem = FindAs<Redeem>(f->redeem)) {
      items_to_recompute_.insert(redeem->As<Redeem>()->item);
    }
  }
}

void LedgerState::Impl::CatalogueFindings(const Node* n, std::vector<Finding>& out) const {
  auto of_item = [&](const EntryId& item_id) {
    if (auto it = items_.find(item_id); it != items_.end()) {
      FindingsAt(n->id(), it->second.findings, out);
    }
  };
  if (n->As<CatalogItem>()) {
    of_item(n->id());
  } else if (auto* s = n->As<Restock>()) {
    of_item(s->item);
  } else if (auto* w = n->As<CatalogWithdraw>()) {
    of_item(w->item);
  } else if (auto* f = n->As<Fulfil>()) {
    if (const Node* redeem = FindAs<Redeem>(f->redeem)) of_item(redeem->As<Redeem>()->item);
  }
}

}  // namespace lovebank::ledger
