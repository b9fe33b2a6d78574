// Audit checkpoints: an auditor's signed statement "I verified this ledger", and the
// later proof that the ledger still extends what was verified.
//
// A checkpoint commits to every chain as it stood: the leaf of author A cut at seq s is
//   BLAKE2b-256("lovebank/checkpoint-leaf/v1" || A || s (8, BE) || n (8, BE) || ids at s)
// where n counts A's connected entries with seq <= s and the ids at s are sorted (two
// or more on a forked seq). The chain root is BLAKE2b-256("lovebank/checkpoint-root/v1"
// || every leaf, by author key). Because each entry names its prev, a head id pins the
// whole chain below it, so a later ledger whose leaves at the same seqs give the same
// root holds every checkpointed chain as a prefix.
//
// The entry also carries head hints (AuditCheckpoint.heads): per author in key order,
// the key's first 8 bytes, the head seq as a varint and the leaf's first 4 bytes. They
// tell a later audit where to cut each chain and which chain broke; the root, not the
// hints, is what proves consistency. docs/audit.md walks through it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "ledger/entry.h"
#include "ledger/state.h"

namespace lovebank::ledger {

// Hints take about 14 bytes a chain, so one checkpoint entry covers this many chains.
inline constexpr std::size_t kMaxCheckpointChains = 4000;

// The checkpoint an auditor signs after verifying `state` (settled). kResourceExhausted
// if the ledger has more chains than one entry can describe.
Result<AuditCheckpoint> MakeCheckpoint(const LedgerState& state);

struct AccountChange {
  PublicKey account;
  std::int64_t balance_then = 0, balance_now = 0;
  std::int64_t minutes_then = 0, minutes_now = 0;
};

struct CheckpointReport {
  EntryId checkpoint;
  PublicKey auditor;
  std::uint64_t signed_at_ms = 0;
  bool auditor_authorised = false;  // held the auditor role when signing
  // Empty when the ledger extends the checkpoint: chain root, entry count and the state
  // hash of the checkpointed prefix all match.
  std::vector<std::string> problems;
  std::vector<PublicKey> broken_chains;  // chains that no longer extend the checkpoint
  std::uint64_t entries_then = 0, entries_now = 0;
  std::uint64_t chains_then = 0, new_chains = 0;
  std::map<std::string, std::uint64_t> new_entries_by_kind;
  std::vector<AccountChange> changed_accounts;  // by account id

  bool consistent() const { return problems.empty(); }
};

// Checks that `now` (settled) extends the checkpoint entry `checkpoint` stored in it,
// recomputing the checkpointed prefix's state hash, and says what changed since.
// kNotFound if `now` has no such connected entry; kInvalidArgument if it is not a
// checkpoint.
Result<CheckpointReport> CheckSinceCheckpoint(const LedgerState& now, const EntryId& checkpoint);

}  // namespace lovebank::ledger
