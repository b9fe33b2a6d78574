// One account's derived state: its credited service (services.cc), its debits and
// funded prefix (funding.cc) and its profile (members.cc), and what a trial noted to
// put it back (trial.cc). Private to ledger/internal/state/.
#pragma once

#include <boost/container/flat_map.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/entry.h"
#include "ledger/internal/state/graph.h"
#include "ledger/rules.h"

namespace lovebank::ledger::internal {

struct AccountState {
  std::vector<std::pair<EntryId, Finding>> service_findings;
  // Credited (source, volunteer) pairs, unordered: only the slow path compares them.
  std::vector<std::pair<EntryId, PublicKey>> credited;
  // Sorted vectors, not trees: 16 bytes a credit instead of about 64 each. Credits
  // come mostly in time order (the full path sorts them by start), so inserts are
  // appends; an entry dated back moves the later ones of its account along.
  boost::container::flat_map<std::uint64_t, std::uint64_t> intervals;   // start -> end
  boost::container::flat_map<std::int64_t, std::uint64_t> day_minutes;  // per local day
  // Intervals refused for overlap or the day cap: a new credit that touches one
  // could change the reason given, so it takes the full path.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> refused;
  std::uint64_t minutes = 0;
  std::uint64_t service_points = 0;
  std::map<std::string, std::uint64_t> by_category;
  std::vector<Node*> debits;  // sorted by (key index, seq, id)
  std::uint64_t debit_sum = 0;
  std::uint64_t received = 0;
  std::size_t funded = 0;
  std::uint64_t funded_sum = 0;
  const Node* profile = nullptr;
  bool queued = false;
};

// What a trial changed in one account (LedgerState::TryAdmit): the sums and sizes from
// before, the map entries its credits set, and a copy when the account's services were
// recomputed whole. Restoring puts the copy back, then undoes the noted appends.
struct AccountUndo {
  bool existed = false;
  std::uint64_t minutes = 0, service_points = 0, debit_sum = 0, received = 0, funded_sum = 0;
  std::size_t funded = 0, credited = 0, debits = 0, service_findings = 0;
  bool queued = false;
  std::vector<std::uint64_t> intervals;                                     // starts added
  std::vector<std::pair<std::int64_t, std::optional<std::uint64_t>>> days;  // minutes before
  std::vector<std::pair<std::string, std::optional<std::uint64_t>>> categories;
  std::optional<AccountState> copy;
};
// The points a connected transfer or redeem takes from its account.
inline std::uint64_t DebitPoints(const Node* node) {
  if (auto* t = node->As<Transfer>()) return t->points;
  return node->As<Redeem>()->points;
}

}  // namespace lovebank::ledger::internal
