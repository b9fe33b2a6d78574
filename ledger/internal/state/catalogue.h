// One catalogue item's derived state: whether it is listed, its stock and how many
// vouchers were handed over within it, and the findings on its entries. Recomputed
// per item by RecomputeItem (catalogue.cc). Private to ledger/internal/state/.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "ledger/internal/state/graph.h"
#include "ledger/rules.h"

namespace lovebank::ledger::internal {

struct ItemState {
  const Node* node = nullptr;
  bool listed = false;
  std::uint64_t stock = 0;
  std::uint64_t fulfilled = 0;
  bool withdrawn = false;
  std::vector<std::pair<EntryId, Finding>> findings;
};

}  // namespace lovebank::ledger::internal
