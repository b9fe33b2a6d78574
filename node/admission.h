// Admission: the checks a node makes before it stores an entry a wallet submitted.
//
// The ledger rules (ledger/state.h) keep every signed entry and flag what does not
// count; that is right for entries that arrive by gossip, which are facts already
// signed elsewhere. A wallet talking to its own node is different: the person is
// there and can be told "no" before anything is stored. So the node refuses, with a
// reason a person can act on, a new entry that would only be stored as a flagged one:
// an overdraft, a self-confirmation, a role the author does not hold, an unknown item,
// an empty shelf, a second fulfil of one voucher, a clock far off, a seq that would
// fork the author's chain. docs/api.md lists every code.
//
// Pure: reads the state and the caller's clock value; no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/bytes.h"
#include "ledger/entry.h"
#include "ledger/state.h"

namespace lovebank::node {

struct Refusal {
  std::string code;     // stable, snake_case: "insufficient_points", "role_missing", ...
  int http_status = 422;
  std::string message;  // for a person: what is wrong and what to do
};

// What earlier entries of the same group commit change for later ones: chain heads
// and points already signed away by entries not yet in the state.
struct BatchOverlay {
  struct Head {
    std::uint64_t seq;
    ledger::EntryId id;
  };
  std::unordered_map<ledger::PublicKey, Head, FixedBytesHash> heads;
  std::unordered_map<ledger::PublicKey, std::uint64_t, FixedBytesHash> debits;  // by account
  std::unordered_map<ledger::EntryId, bool, FixedBytesHash> fulfilled;         // redeem ids

  // Records `entry` as admitted.
  void Admit(const ledger::VerifiedEntry& entry, const ledger::LedgerState& state);
};

struct AdmissionOptions {
  std::int64_t now_ms = 0;  // the node's clock
  std::int64_t max_clock_skew_ms = 10 * 60 * 1000;
  std::uint64_t offline_limit_points = 0;
  // Points of a volunteer's fulfilled vouchers this node cannot prove funded (see
  // UnprovenVoucherPoints); unset counts as 0.
  std::function<std::uint64_t(const ledger::PublicKey& volunteer)> unproven_points;
};

// nullopt if the wallet entry may be stored; otherwise why not. An entry already
// stored passes (the store reports it as a duplicate).
std::optional<Refusal> CheckWalletEntry(const ledger::VerifiedEntry& entry,
                                        const ledger::LedgerState& state,
                                        const BatchOverlay& overlay,
                                        const AdmissionOptions& options);

// Points of `volunteer`'s vouchers that some station fulfilled while this node cannot
// prove them funded (pending, or not covered by the credits it has seen).
std::uint64_t UnprovenVoucherPoints(const ledger::PublicKey& volunteer,
                                    const ledger::LedgerState& state,
                                    const std::vector<ledger::EntryId>& history);

}  // namespace lovebank::node
