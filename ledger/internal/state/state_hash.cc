// The state hash: BLAKE2b-256 over the canonical encoding of all derived state
// (docs/storage.md).
#include <algorithm>
#include <vector>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

crypto::Digest LedgerState::Impl::StateHash() const {
  Writer w;
  w.Str("lovebank/state/v1");
  w.Fixed(network_);
  w.U64(connected_count());
  for (const auto& a : Accounts()) {
    w.Fixed(a.id);
    w.U64(a.keys.size());
    for (const auto& k : a.keys) w.Fixed(k);
    w.U64(a.minutes);
    w.U64(a.minutes_by_category.size());
    for (const auto& [category, minutes] : a.minutes_by_category) {
      w.Str(category);
      w.U64(minutes);
    }
    w.U64(a.service_points);
    w.U64(a.received_points);
    w.U64(a.spent_points);
    w.U64(a.unfunded_points);
    w.U64(a.debit_count);
    w.U64(a.profile ? 1 : 0);
    if (a.profile) {
      w.Str(a.profile->name);
      w.Str(a.profile->grid);
      w.Str(a.profile->building);
      w.U64(a.profile->teams.size());
      for (const auto& t : a.profile->teams) w.Str(t);
    }
  }
  for (const auto& [root, roles] : gov_.roles.Sorted()) {
    w.Fixed(root);
    for (int r = 1; r < kRoleCount; ++r) {
      w.U64(roles[r].size());
      for (const auto& ev : roles[r]) {
        w.U64(ev.key_index);
        w.U64(ev.from_seq);
        w.U64(ev.grant);
        w.Fixed(ev.by);
        w.U64(ev.by_index);
        w.U64(ev.by_seq);
      }
    }
  }
  w.U64(gov_.roster.size());
  for (const auto& k : gov_.roster) w.Fixed(k);
  for (const auto& item : Items()) {
    w.Fixed(item.id);
    w.Fixed(item.station);
    w.U64(item.stock);
    w.U64(item.fulfilled);
  }
  for (const auto& fork : Forks()) {
    w.Fixed(fork.author);
    w.U64(fork.seq);
    for (const auto& id : fork.entries) w.Fixed(id);
  }
  for (const auto& [id, findings] : Findings()) {
    w.Fixed(id);
    w.U64(findings.size());
    for (const auto& f : findings) {
      w.U64(static_cast<std::uint64_t>(f.code));
      w.Fixed(f.subject.value_or(PublicKey()));
    }
  }
  // Withdrawn gifts last, and only if there are any: a ledger without a withdrawal
  // keeps the hash it had before withdrawals existed (checkpoints signed then hold).
  bool any_withdrawn = false;
  for (const auto& item : Items()) {
    if (!item.withdrawn) continue;
    if (!any_withdrawn) w.Str("withdrawn");
    any_withdrawn = true;
    w.Fixed(item.id);
  }
  // Help requests the same way: a section only when some request counts.
  std::vector<EntryId> requests;
  for (const auto& [id, acts] : requests_) requests.push_back(id);
  std::sort(requests.begin(), requests.end());
  bool any_request = false;
  for (const auto& id : requests) {
    RequestJudgement j = JudgeRequest(id);
    if (!j.open) continue;
    if (!any_request) w.Str("requests");
    any_request = true;
    w.Fixed(id);
    w.U64(j.takes.size());
    for (const Node* t : j.takes) w.Fixed(t->id());
    w.Fixed(j.state->id());
    w.U64(static_cast<std::uint64_t>(j.level));
  }
  return crypto::Blake2b256(w.out);
}

}  // namespace lovebank::ledger
