// Findings: what each family flags, gathered for the whole ledger and for one entry.
#include <algorithm>
#include <set>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

bool LedgerState::Impl::Has(const std::vector<Finding>& list, FindingCode code) {
  return std::any_of(list.begin(), list.end(), [&](const Finding& f) { return f.code == code; });
}

void LedgerState::Impl::FindingsAt(const EntryId& id,
                                   const std::vector<std::pair<EntryId, Finding>>& list,
                                   std::vector<Finding>& out) {
  for (const auto& [at, f] : list) {
    if (at == id) out.push_back(f);
  }
}

std::vector<Finding> LedgerState::Impl::FindingsOfEntry(const Node* n) const {
  std::vector<Finding> out;
  const Chain& chain = *n->chain;
  if (chain.fork_seqs.count(n->e().seq)) out.push_back({FindingCode::kFork, {}});
  if (n->connected && !chain.fork_seqs.empty() && !n->on_path && !Fenced(n)) {
    out.push_back({FindingCode::kSuspended, {}});
  }
  if (n->connected && Fenced(n)) out.push_back({FindingCode::kFenced, {}});
  for (const Family& family : kFamilies) {
    if (family.findings) (this->*family.findings)(n, out);
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
  for (const auto& [id, acts] : requests_) add(JudgeRequest(id).findings);
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
