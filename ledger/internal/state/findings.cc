// Findings: what each family flags, gathered for the whole ledger and for one entry.
#include <algorithm>
#include <set>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

bool LedgerState::Impl::Has(const std::vector<Finding>& list, FindingCode code) {
  return std::any_of(list.begin(), list.end(), [&](const Finding& f) { return f.code == code; });
}

std::vector<Finding> LedgerState::Impl::FindingsOfEntry(const Node* n) const {
  std::vector<Finding> out;
  const EntryId& id = n->id();
  auto from = [&](const std::vector<std::pair<EntryId, Finding>>& list) {
    for (const auto& [at, f] : list) {
      if (at == id) out.push_back(f);
    }
  };
  auto account = [&](const PublicKey& key) {
    if (auto it = accounts_.find(AccountOf(key)); it != accounts_.end()) {
      from(it->second.service_findings);
    }
  };
  auto item = [&](const EntryId& item_id) {
    if (auto it = items_.find(item_id); it != items_.end()) from(it->second.findings);
  };
  const Chain& chain = *n->chain;
  if (chain.fork_seqs.count(n->e().seq)) out.push_back({FindingCode::kFork, {}});
  if (n->connected && !chain.fork_seqs.empty() && !n->on_path && !Fenced(n)) {
    out.push_back({FindingCode::kSuspended, {}});
  }
  if (n->connected && Fenced(n)) out.push_back({FindingCode::kFenced, {}});
  from(gov_.findings);
  from(member_findings_);
  if (auto* rec = n->As<ServiceRecord>()) {
    std::set<PublicKey> roots;
    for (const auto& v : rec->volunteers) roots.insert(AccountOf(v));
    for (const auto& root : roots) account(root);
  } else if (n->As<ServiceClaim>()) {
    account(n->e().author);
  } else if (n->As<ServiceConfirm>() || n->As<ServiceReject>()) {
    const EntryId& claim_id =
        n->As<ServiceConfirm>() ? n->As<ServiceConfirm>()->claim : n->As<ServiceReject>()->claim;
    if (const Node* claim = FindAs<ServiceClaim>(claim_id)) account(claim->e().author);
  } else if (n->As<Transfer>() || n->As<Redeem>()) {
    if (n->connected && !ExcludedDebit(n) && !n->funded)
      out.push_back({FindingCode::kUnfunded, {}});
    if (auto* t = n->As<Transfer>()) {
      if (Active(n) && !IsMember(AccountOf(t->to))) out.push_back({FindingCode::kNotMember, {}});
      if (n->connected && IsReversed(n, std::nullopt)) out.push_back({FindingCode::kReversed, {}});
    }
  } else if (n->As<CatalogItem>()) {
    item(id);
  } else if (auto* s = n->As<Restock>()) {
    item(s->item);
  } else if (auto* f = n->As<Fulfil>()) {
    if (const Node* redeem = FindAs<Redeem>(f->redeem)) item(redeem->As<Redeem>()->item);
  } else if (n->As<AuditCheckpoint>()) {
    if (Active(n) && !Authorised(n)) out.push_back({FindingCode::kRoleMissing, {}});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Finding> LedgerState::Impl::FindingsOfEntryId(const EntryId& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? std::vector<Finding>{} : FindingsOfEntry(it->second.get());
}

std::map<EntryId, std::vector<Finding>> LedgerState::Impl::CollectFindings() const {
  std::map<EntryId, std::vector<Finding>> out;
  auto add = [&](const std::vector<std::pair<EntryId, Finding>>& list) {
    for (const auto& [id, f] : list) out[id].push_back(f);
  };
  for (const auto& [author, chain] : chains_) {
    if (!chain.fork_seqs.empty()) {
      for (auto seq : chain.fork_seqs) {
        for (const Node* n : chain.by_seq.At(seq)) out[n->id()].push_back({FindingCode::kFork, {}});
      }
      for (const Node* n : chain.by_seq) {
        if (n->connected && !n->on_path && !Fenced(n)) {
          out[n->id()].push_back({FindingCode::kSuspended, {}});
        }
      }
    }
    if (auto fence = gov_.fence.find(author); fence != gov_.fence.end()) {
      for (auto it = chain.by_seq.After(fence->second); it != chain.by_seq.end(); ++it) {
        if ((*it)->connected) out[(*it)->id()].push_back({FindingCode::kFenced, {}});
      }
    }
  }
  add(gov_.findings);
  for (const auto& [root, a] : accounts_) {
    add(a.service_findings);
    for (std::size_t i = a.funded; i < a.debits.size(); ++i) {
      out[a.debits[i]->id()].push_back({FindingCode::kUnfunded, {}});
    }
  }
  for (const auto& [id, item] : items_) add(item.findings);
  add(member_findings_);
  for (const Node* n : checkpoints_) {
    if (Active(n) && !Authorised(n)) {
      out[n->id()].push_back({FindingCode::kRoleMissing, {}});
    }
  }
  // Only reversal targets can be reversed transfers: no walk over every entry.
  for (const auto& [target, who] : gov_.reversed) {
    auto it = nodes_.find(target);
    if (it == nodes_.end()) continue;
    const Node* n = it->second.get();
    if (n->As<Transfer>() && n->connected && IsReversed(n, std::nullopt)) {
      out[target].push_back({FindingCode::kReversed, {}});
    }
  }
  for (const Node* d : not_member_transfers_) {
    out[d->id()].push_back({FindingCode::kNotMember, {}});
  }
  for (auto& [id, list] : out) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return out;
}

}  // namespace lovebank::ledger
