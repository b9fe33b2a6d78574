// The governance family's state: who holds which role from which position of their
// chain (RoleBook), key moves and fences, fork resolutions, the node roster and the
// reversals admins signed. Computed whole by EvaluateGovernance (governance.cc).
// Private to ledger/internal/state/.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "ledger/entry.h"
#include "ledger/internal/state/common.h"
#include "ledger/rules.h"

namespace lovebank::ledger::internal {

// Role events on one account's position axis. A position is (index of the key in
// the account, seq in that key's chain); an event at position p holds from p on.
// `by` and `by_index`/`by_seq` name the admin act that made it (the admin's account
// and its position), which settles a grant and a revocation at one position.
struct RoleEvent {
  std::uint32_t key_index;
  std::uint64_t from_seq;
  bool grant;
  PublicKey by;  // zero for the genesis admins
  std::uint32_t by_index = 0;
  std::uint64_t by_seq = 0;
  auto operator<=>(const RoleEvent&) const = default;
  auto position() const { return std::pair(key_index, from_seq); }
  bool Supersedes(const RoleEvent& other) const {
    return by == other.by && std::pair(by_index, by_seq) > std::pair(other.by_index, other.by_seq);
  }
};

class RoleBook {
 public:
  void Add(const PublicKey& root, Role role, RoleEvent event) {
    events_[root][static_cast<int>(role)].push_back(event);
  }
  // The latest event at or before the position decides. At one position the role
  // holds only if some grant there supersedes every revocation there: the same admin
  // signed it later in their own chain (a re-grant after a revocation). Otherwise
  // the revocation wins: two admins' acts have no order a node could agree on.
  bool Holds(const PublicKey& root, std::uint32_t key_index, std::uint64_t seq, Role role) const {
    auto it = events_.find(root);
    if (it == events_.end()) return false;
    const auto at = std::pair(key_index, seq);
    std::optional<std::pair<std::uint32_t, std::uint64_t>> latest;
    for (const auto& ev : it->second[static_cast<int>(role)]) {
      if (ev.position() <= at && (!latest || ev.position() > *latest)) latest = ev.position();
    }
    if (!latest) return false;
    const auto& events = it->second[static_cast<int>(role)];
    for (const auto& grant : events) {
      if (!grant.grant || grant.position() != *latest) continue;
      bool wins = true;
      for (const auto& revoke : events) {
        if (!revoke.grant && revoke.position() == *latest && !grant.Supersedes(revoke)) {
          wins = false;
        }
      }
      if (wins) return true;
    }
    return false;
  }
  bool HasAny(const PublicKey& root) const { return events_.count(root) > 0; }
  std::vector<PublicKey> Roots() const {
    std::vector<PublicKey> out;
    for (const auto& [root, roles] : events_) out.push_back(root);
    return out;
  }
  // Sorted events, for the state hash.
  std::map<PublicKey, std::array<std::vector<RoleEvent>, kRoleCount>> Sorted() const {
    std::map<PublicKey, std::array<std::vector<RoleEvent>, kRoleCount>> out(events_.begin(),
                                                                            events_.end());
    for (auto& [root, roles] : out) {
      for (auto& events : roles) {
        std::sort(events.begin(), events.end());
        events.erase(std::unique(events.begin(), events.end()), events.end());
      }
    }
    return out;
  }

 private:
  KeyMap<std::array<std::vector<RoleEvent>, kRoleCount>> events_;
};

// What governance entries decide: who is who, who may do what.
struct Governance {
  KeyMap<PublicKey> root_of;               // keys moved into an account -> its id
  KeyMap<std::vector<PublicKey>> keys_of;  // account id -> its keys, for moved accounts
  KeyMap<std::uint64_t> fence;             // key -> last seq that still counts
  std::map<std::pair<PublicKey, std::uint64_t>, EntryId> resolutions;
  RoleBook roles;
  std::set<PublicKey> roster;
  IdMap<std::vector<std::optional<PublicKey>>> reversed;  // target -> volunteers (nullopt: all)
  std::vector<std::pair<EntryId, Finding>> findings;
};

}  // namespace lovebank::ledger::internal
