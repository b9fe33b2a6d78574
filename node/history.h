// HistoryIndex: which entries concern which key, for account histories. An entry
// concerns its author and every key it names as a party: the member enrolled, the
// subject of a role act, the volunteers of a record, the recipient of a transfer, the
// author of the claim a verdict judges, the volunteer whose voucher a station fulfils.
// Kept in memory beside the state and built from it on open.
#pragma once

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "ledger/entry.h"
#include "ledger/state.h"

namespace lovebank::node {

class HistoryIndex {
 public:
  // Indexes `entry`, looking up the entries it refers to in `state`. Idempotent per id.
  void Add(const ledger::VerifiedEntry& entry, const ledger::LedgerState& state);
  // Ids of entries concerning `key`, oldest indexed first (no duplicates).
  const std::vector<ledger::EntryId>& For(const ledger::PublicKey& key) const;
  std::size_t size() const { return by_key_.size(); }

 private:
  std::unordered_map<ledger::PublicKey, std::vector<ledger::EntryId>, FixedBytesHash> by_key_;
};

}  // namespace lovebank::node
