// The one refusal vocabulary: every reason a node can give for not doing what a
// wallet, a page or a tool asked, with a stable snake_case name that travels in the
// API's "error" field (docs/api.md). The node maps a code to an HTTP status once
// (node/http_status.cc), the wallet maps it to an exit code once
// (wallet-cli/exit_codes.cc); nothing else spells a code. A name this version does
// not know (a newer node's) reads as nullopt, and is shown with its message.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ledger/rules.h"
#include "ledger/state.h"

namespace lovebank::ledger {

enum class RefusalCode : std::uint8_t {
  // The request itself.
  kBadRequest,  // not a request this endpoint takes (body, JSON, parameters)
  kTooLarge,    // over a size bound
  kMethodNotAllowed,
  kNotFound,  // no such endpoint, entry, claim or account
  kBadKey,
  kBadId,
  kAmbiguousId,  // an id prefix that several stored entries share
  kBadDate,
  kBadVoucher,  // not a voucher's text, or not one volunteer's chain ending in a redeem
  // The envelope, refused before any rule (ledger/entry.h RejectCode, same names).
  kOversize,
  kMalformed,
  kNonCanonical,
  kUnknownVersion,
  kUnknownKind,
  kOutOfRange,
  kBadSignature,
  kWrongNetwork,
  // The entry and its chain.
  kGenesisExists,
  kClockSkew,        // dated far from the node's clock
  kChainConflict,    // would fork the author's chain, or does not follow it
  kMissingPrevious,  // an earlier entry of the chain is not here
  kKeyFenced,        // signed by a key an account moved away from
  kForkSuspended,    // the author's chain is forked: their acts wait for a resolution
  // The rules (the same names as the findings, ledger/rules.h).
  kRoleMissing,
  kSelfConfirmation,
  kSelfRecord,
  kSelfTransfer,
  kEntryCapExceeded,
  kDayCapExceeded,
  kOverlap,
  kUnknownCategory,
  kRejected,
  kReversed,
  kInsufficientPoints,  // the finding `unfunded`, for a person spending points
  kAlreadyFulfilled,
  kOutOfStock,
  kVoucherMismatch,
  kConflictingKeyMove,
  kNotMember,
  kOutOfWindow,
  kAlreadyEnrolled,
  kStaleUpdate,
  kItemWithdrawn,
  kUnknownRequest,
  kOwnRequest,
  kRequestFull,
  kAlreadyTaken,
  kNotTaken,
  kStaleRequest,
  kNotResident,
  kTakesCredit,  // would take away a credit already counted
  kNoEffect,     // would change nothing
  kUnknownItem,
  kUnknownVoucher,
  kNotYourItem,
  kOfflineLimit,
  kFork,
  kSuspended,
  // The node.
  kDiskFull,
  kStorageError,
  kBusy,
  kShuttingDown,
  kInternal,
};

std::string_view RefusalName(RefusalCode code);
std::optional<RefusalCode> RefusalFromName(std::string_view name);

// The refusal for an envelope VerifyEnvelope refused.
RefusalCode RefusalForReject(RejectCode code);

// The refusal a rule's finding becomes when it stops a person's act.
RefusalCode RefusalForFinding(FindingCode code);

// The refusal code for a trial's problem (finding, missing target, no effect, ...).
RefusalCode RefusalForTrial(const Trial& trial, const EntryKind& kind);

}  // namespace lovebank::ledger
