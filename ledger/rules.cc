#include "ledger/rules.h"

namespace lovebank::ledger {

std::string_view FindingName(FindingCode code) {
  switch (code) {
    case FindingCode::kFork: return "fork";
    case FindingCode::kSuspended: return "suspended";
    case FindingCode::kFenced: return "fenced";
    case FindingCode::kRoleMissing: return "role_missing";
    case FindingCode::kSelfConfirmation: return "self_confirmation";
    case FindingCode::kSelfRecord: return "self_record";
    case FindingCode::kEntryCapExceeded: return "entry_cap_exceeded";
    case FindingCode::kDayCapExceeded: return "day_cap_exceeded";
    case FindingCode::kOverlap: return "overlap";
    case FindingCode::kUnknownCategory: return "unknown_category";
    case FindingCode::kRejected: return "rejected";
    case FindingCode::kReversed: return "reversed";
    case FindingCode::kUnfunded: return "unfunded";
    case FindingCode::kAlreadyFulfilled: return "already_fulfilled";
    case FindingCode::kOutOfStock: return "out_of_stock";
    case FindingCode::kVoucherMismatch: return "voucher_mismatch";
    case FindingCode::kConflictingKeyMove: return "conflicting_key_move";
  }
  return "unknown";
}

std::string_view EntryStatusName(EntryStatus status) {
  switch (status) {
    case EntryStatus::kUnknown: return "unknown";
    case EntryStatus::kPending: return "pending";
    case EntryStatus::kActive: return "active";
    case EntryStatus::kSuspended: return "suspended";
    case EntryStatus::kFenced: return "fenced";
  }
  return "unknown";
}

}  // namespace lovebank::ledger
