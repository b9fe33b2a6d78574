// The vocabulary of the ledger rules: what the state machine says about an entry
// that it stores but does not count in full. docs/ledger-rules.md explains each rule.
//
// A finding never deletes anything: the entry stays on the ledger as signed fact,
// and the finding explains why it does not move points, minutes, roles or stock.
#pragma once

#include <compare>
#include <optional>
#include <span>
#include <string_view>

#include "ledger/entry.h"

namespace lovebank::ledger {

enum class FindingCode : std::uint8_t {
  kFork = 1,            // one of two or more entries an author signed with one seq
  kSuspended,           // on an unresolved fork branch: credits and role acts do not count
  kFenced,              // signed by a key after its account moved away (rotation/recovery)
  kRoleMissing,         // the author did not hold the role the act needs at that seq
  kSelfConfirmation,    // a volunteer confirming or rejecting their own claim
  kSelfRecord,          // a coordinator recording service for their own account
  kEntryCapExceeded,    // minutes above the policy's per-entry cap
  kDayCapExceeded,      // the volunteer's minutes that day would exceed the per-day cap
  kOverlap,             // the interval overlaps service already credited to the volunteer
  kUnknownCategory,     // the policy has no such activity category
  kRejected,            // the claim was rejected by a coordinator or the beneficiary
  kReversed,            // an admin reversed this credit
  kUnfunded,            // the spender's credits do not cover this debit (yet)
  kAlreadyFulfilled,    // the voucher was already fulfilled by another entry
  kOutOfStock,          // a fulfil beyond the item's stock
  kVoucherMismatch,     // fulfil by a station the voucher does not name, or price not met
  kConflictingKeyMove,  // a second move of one key, or a move into a key already taken
  kNotMember,           // earns, confirms as the resident helped, or receives points unenrolled
  kOutOfWindow,         // a service start after its entry's time (+ skew) or before the window
  kAlreadyEnrolled,     // a first enrolment of someone already enrolled (update instead)
  kStaleUpdate,         // a profile update of a profile that is not the member's current one
  kItemWithdrawn,       // a restock of a gift after its station withdrew it
  // Help requests (docs/ledger-rules.md, "Help requests").
  kUnknownRequest,  // names no request whose open counts, or an open that cannot count
  kOwnRequest,      // a take of a request its author opened or is helped by
  kRequestFull,     // a take beyond the first N counting takes by id
  kAlreadyTaken,    // a second take of one request by one account
  kNotTaken,        // a resolve by someone whose take does not count
  kStaleRequest,    // a confirm, reopen or close that does not follow the request's state
  kNotResident,     // a confirmation, reopen or close by someone the rules do not allow
};

// How far after its entry's own timestamp a service interval may start (the signer's
// clock may run a little behind the clock of whoever measured the service).
inline constexpr std::uint64_t kServiceSkewMs = 10 * 60 * 1000;

std::string_view FindingName(FindingCode code);

// The roles an entry's author must hold at its seq, any one of them, for an entry of
// this kind to count (else `role_missing`); empty when the kind needs none. The one
// table the state machine, admission and the wallet all read. Confirmations and
// rejections need none here: a coordinator, or the resident the claim names, may
// give them (docs/ledger-rules.md).
std::span<const Role> RolesFor(const EntryKind& kind);

// A finding about one entry. `subject` names the volunteer when one entry (a service
// record) has findings for some of its volunteers only.
struct Finding {
  FindingCode code;
  std::optional<PublicKey> subject;

  friend auto operator<=>(const Finding&, const Finding&) = default;
  friend bool operator==(const Finding&, const Finding&) = default;
};

// How far the rules have taken an entry.
enum class EntryStatus : std::uint8_t {
  kUnknown,    // not stored
  kPending,    // stored; waits for its prev
  kActive,     // connected and on its author's canonical chain: it counts
  kSuspended,  // connected, on an unresolved fork branch: its debits count, nothing else
  kFenced,     // connected, signed after its key was moved away: nothing counts
};

std::string_view EntryStatusName(EntryStatus status);

// How soon a help request should be taken and resolved, from its open's timestamp
// (decision 0012; the defaults of city hotlines). "Overdue" is a reader's view
// against its own clock, never a rule: no finding depends on these.
struct RequestDeadlines {
  std::uint64_t take_ms = 0;
  std::uint64_t resolve_ms = 0;
};
RequestDeadlines DeadlinesFor(Urgency urgency);
// The deadlines of a request of `category`: the policy's for that category and
// urgency where it sets them, else the defaults above.
RequestDeadlines DeadlinesFor(const Policy& policy, const std::string& category, Urgency urgency);

}  // namespace lovebank::ledger
