// Settling: the incremental path for common entries and the full re-evaluation that
// anything touching authority or credit triggers.
#include <set>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

void LedgerState::Impl::Settle() {
  Apply();
  if (findings_dirty_) {
    findings_ = CollectFindings();
    findings_dirty_ = false;
  }
}

void LedgerState::Impl::Apply() {
  if (!queue_.empty() || full_needed_ || funding_dirty_ || !worklist_.empty() ||
      !items_to_recompute_.empty()) {
    findings_dirty_ = true;
  }
  if (!full_needed_) {
    for (std::size_t i = 0; i < queue_.size() && !full_needed_; ++i) FastApply(queue_[i]);
  }
  queue_.clear();
  if (full_needed_) {
    FullEvaluate();
    full_needed_ = false;
    funding_dirty_ = false;
  } else if (funding_dirty_) {
    RecomputeFunding();
    funding_dirty_ = false;
  } else {
    RunFunding();
  }
  for (const auto& id : items_to_recompute_) RecomputeItem(id);
  items_to_recompute_.clear();
}

void LedgerState::Impl::FastApply(Node* n) {
  touched_accounts_.insert(AccountOf(n->e().author));  // its head moved: roles "now" may change
  for (const Family& family : kFamilies) {
    if (family.apply) (this->*family.apply)(n);
  }
}

void LedgerState::Impl::Enqueue(const PublicKey& root) {
  AccountState& a = Acc(root);
  if (!a.queued) {
    a.queued = true;
    worklist_.push_back(root);
  }
}

void LedgerState::Impl::FullEvaluate() {
  if (trial_) trial_full_ = true;  // the journal cannot undo this: a retraction re-runs it
  EvaluateGovernance();
  accounts_.clear();
  not_member_transfers_.clear();
  ComputeMembers();
  worklist_.clear();
  for (auto& [key, chain] : chains_) {
    for (Node* d : chain.debits) {
      d->funded = false;
      if (ExcludedDebit(d)) {
        if (ToNonMember(d)) not_member_transfers_.push_back(d);
        continue;
      }
      AccountState& a = accounts_[AccountOf(key)];
      a.debits.push_back(d);
      a.debit_sum = SaturatingAdd(a.debit_sum, DebitPoints(d));
    }
  }
  for (auto& [root, a] : accounts_) {
    std::sort(a.debits.begin(), a.debits.end(),
              [this](const Node* x, const Node* y) { return DebitBefore(x, y); });
  }
  std::set<PublicKey> roots;
  for (const auto& [key, sources] : sources_by_key_) roots.insert(AccountOf(key));
  for (const auto& root : roots) RecomputeServices(root, /*incremental=*/false);
  RecomputeFunding();
  everything_changed_ = true;
}

}  // namespace lovebank::ledger
