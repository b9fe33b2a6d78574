// Funding: which debits each account's credits cover, as the least fixpoint over
// transfers.
#include <tuple>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

std::uint64_t LedgerState::Impl::Spendable(const PublicKey& key) const {
  auto it = accounts_.find(AccountOf(key));
  if (it == accounts_.end()) return 0;
  const AccountState& a = it->second;
  std::uint64_t credits = SaturatingAdd(a.service_points, a.received);
  return credits > a.debit_sum ? credits - a.debit_sum : 0;
}

bool LedgerState::Impl::IsFunded(const EntryId& id) const {
  auto it = nodes_.find(id);
  return it != nodes_.end() && it->second->connected && it->second->funded;
}

bool LedgerState::Impl::DebitBefore(const Node* a, const Node* b) const {
  return std::tuple(KeyIndex(a->e().author), a->e().seq, a->id()) <
         std::tuple(KeyIndex(b->e().author), b->e().seq, b->id());
}

bool LedgerState::Impl::ToNonMember(const Node* d) const {
  auto* t = d->As<Transfer>();
  return t != nullptr && Active(d) && !IsMember(AccountOf(t->to));
}

bool LedgerState::Impl::ExcludedDebit(const Node* d) const {
  if (Fenced(d)) return true;
  auto* t = d->As<Transfer>();
  return t != nullptr && (IsReversed(d, std::nullopt) || !IsMember(AccountOf(t->to)));
}

void LedgerState::Impl::RecomputeFunding() {
  if (trial_) trial_full_ = true;
  worklist_.clear();
  for (auto& [root, a] : accounts_) {
    a.received = 0;
    a.funded = 0;
    a.funded_sum = 0;
    a.queued = false;
    for (Node* d : a.debits) d->funded = false;
    Enqueue(root);
    touched_accounts_.insert(root);
  }
  RunFunding();
  for (const auto& [id, node] : item_nodes_) items_to_recompute_.insert(id);
}

void LedgerState::Impl::RunFunding() {
  while (!worklist_.empty()) {
    PublicKey root = worklist_.front();
    worklist_.pop_front();
    AccountState& a = Acc(root);
    a.queued = false;
    std::uint64_t credits = SaturatingAdd(a.service_points, a.received);
    while (a.funded < a.debits.size() &&
           a.funded_sum + DebitPoints(a.debits[a.funded]) <= credits) {
      Node* d = a.debits[a.funded++];
      a.funded_sum += DebitPoints(d);
      d->funded = true;
      if (trial_) funded_undo_.push_back(d);
      touched_accounts_.insert(root);
      if (auto* t = d->As<Transfer>()) {
        if (Active(d)) {
          PublicKey to = AccountOf(t->to);
          AccountState& recipient = Acc(to);
          recipient.received = SaturatingAdd(recipient.received, t->points);
          touched_accounts_.insert(to);
          Enqueue(to);
        }
      } else {
        TouchItemOfRedeem(d);
      }
    }
  }
}

// A chain holds the author's pending entries too, so a voucher that waits for earlier
// entries of its chain counts here as unproven.
std::uint64_t LedgerState::Impl::FulfilledUnfundedPoints(const PublicKey& key) const {
  std::uint64_t total = 0;
  for (const PublicKey& k : KeysOf(AccountOf(key))) {
    auto chain = chains_.find(k);
    if (chain == chains_.end()) continue;
    for (const Node* n : chain->second.by_seq) {
      const auto* redeem = n->As<Redeem>();
      if (redeem == nullptr || (n->connected && n->funded)) continue;
      if (fulfils_by_redeem_.count(n->id())) total = SaturatingAdd(total, redeem->points);
    }
  }
  return total;
}

void LedgerState::Impl::IndexFunding(Node* n) {
  if (n->As<Transfer>() || n->As<Redeem>()) n->chain->debits.push_back(n);
}

void LedgerState::Impl::UnIndexFunding(Node* n) {
  if (n->As<Transfer>() || n->As<Redeem>()) std::erase(n->chain->debits, n);
}

void LedgerState::Impl::ApplyFunding(Node* n) {
  if (!n->As<Transfer>() && !n->As<Redeem>()) return;
  // The same exclusions as FullEvaluate: a reversal may have arrived first.
  if (ExcludedDebit(n)) {
    if (ToNonMember(n)) not_member_transfers_.push_back(n);
    return;
  }
  PublicKey root = AccountOf(n->e().author);
  AccountState& a = Acc(root);
  if (!a.debits.empty() && !DebitBefore(a.debits.back(), n)) {
    full_needed_ = true;  // arrived behind a later debit of the account: re-sort
    return;
  }
  a.debits.push_back(n);
  a.debit_sum = SaturatingAdd(a.debit_sum, DebitPoints(n));
  touched_accounts_.insert(root);
  Enqueue(root);
}

void LedgerState::Impl::FundingFindings(const Node* n, std::vector<Finding>& out) const {
  if (!n->As<Transfer>() && !n->As<Redeem>()) return;
  if (n->connected && !ExcludedDebit(n) && !n->funded) out.push_back({FindingCode::kUnfunded, {}});
  if (auto* t = n->As<Transfer>()) {
    if (Active(n) && !IsMember(AccountOf(t->to))) out.push_back({FindingCode::kNotMember, {}});
    if (n->connected && IsReversed(n, std::nullopt)) out.push_back({FindingCode::kReversed, {}});
  }
}

}  // namespace lovebank::ledger
