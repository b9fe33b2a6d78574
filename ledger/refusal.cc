#include "ledger/refusal.h"

#include <type_traits>
#include <variant>

namespace lovebank::ledger {
namespace {

struct Named {
  RefusalCode code;
  std::string_view name;
};

constexpr Named kNames[] = {
    {RefusalCode::kBadRequest, "bad_request"},
    {RefusalCode::kTooLarge, "too_large"},
    {RefusalCode::kMethodNotAllowed, "method_not_allowed"},
    {RefusalCode::kNotFound, "not_found"},
    {RefusalCode::kBadKey, "bad_key"},
    {RefusalCode::kBadId, "bad_id"},
    {RefusalCode::kAmbiguousId, "ambiguous_id"},
    {RefusalCode::kBadDate, "bad_date"},
    {RefusalCode::kBadVoucher, "bad_voucher"},
    {RefusalCode::kOversize, "oversize"},
    {RefusalCode::kMalformed, "malformed"},
    {RefusalCode::kNonCanonical, "non_canonical"},
    {RefusalCode::kUnknownVersion, "unknown_version"},
    {RefusalCode::kUnknownKind, "unknown_kind"},
    {RefusalCode::kOutOfRange, "out_of_range"},
    {RefusalCode::kBadSignature, "bad_signature"},
    {RefusalCode::kWrongNetwork, "wrong_network"},
    {RefusalCode::kGenesisExists, "genesis_exists"},
    {RefusalCode::kClockSkew, "clock_skew"},
    {RefusalCode::kChainConflict, "chain_conflict"},
    {RefusalCode::kMissingPrevious, "missing_previous"},
    {RefusalCode::kKeyFenced, "key_fenced"},
    {RefusalCode::kForkSuspended, "fork_suspended"},
    {RefusalCode::kRoleMissing, "role_missing"},
    {RefusalCode::kSelfConfirmation, "self_confirmation"},
    {RefusalCode::kSelfRecord, "self_record"},
    {RefusalCode::kSelfTransfer, "self_transfer"},
    {RefusalCode::kEntryCapExceeded, "entry_cap_exceeded"},
    {RefusalCode::kDayCapExceeded, "day_cap_exceeded"},
    {RefusalCode::kOverlap, "overlap"},
    {RefusalCode::kUnknownCategory, "unknown_category"},
    {RefusalCode::kRejected, "rejected"},
    {RefusalCode::kReversed, "reversed"},
    {RefusalCode::kInsufficientPoints, "insufficient_points"},
    {RefusalCode::kAlreadyFulfilled, "already_fulfilled"},
    {RefusalCode::kOutOfStock, "out_of_stock"},
    {RefusalCode::kVoucherMismatch, "voucher_mismatch"},
    {RefusalCode::kConflictingKeyMove, "conflicting_key_move"},
    {RefusalCode::kNotMember, "not_member"},
    {RefusalCode::kOutOfWindow, "out_of_window"},
    {RefusalCode::kAlreadyEnrolled, "already_enrolled"},
    {RefusalCode::kStaleUpdate, "stale_update"},
    {RefusalCode::kItemWithdrawn, "item_withdrawn"},
    {RefusalCode::kUnknownRequest, "unknown_request"},
    {RefusalCode::kOwnRequest, "own_request"},
    {RefusalCode::kRequestFull, "request_full"},
    {RefusalCode::kAlreadyTaken, "already_taken"},
    {RefusalCode::kNotTaken, "not_taken"},
    {RefusalCode::kStaleRequest, "stale_request"},
    {RefusalCode::kNotResident, "not_resident"},
    {RefusalCode::kTakesCredit, "takes_credit"},
    {RefusalCode::kNoEffect, "no_effect"},
    {RefusalCode::kUnknownItem, "unknown_item"},
    {RefusalCode::kUnknownVoucher, "unknown_voucher"},
    {RefusalCode::kNotYourItem, "not_your_item"},
    {RefusalCode::kOfflineLimit, "offline_limit"},
    {RefusalCode::kFork, "fork"},
    {RefusalCode::kSuspended, "suspended"},
    {RefusalCode::kDiskFull, "disk_full"},
    {RefusalCode::kStorageError, "storage_error"},
    {RefusalCode::kBusy, "busy"},
    {RefusalCode::kShuttingDown, "shutting_down"},
    {RefusalCode::kInternal, "internal"},
};

}  // namespace

std::string_view RefusalName(RefusalCode code) {
  for (const auto& n : kNames) {
    if (n.code == code) return n.name;
  }
  return "internal";
}

std::optional<RefusalCode> RefusalFromName(std::string_view name) {
  for (const auto& n : kNames) {
    if (n.name == name) return n.code;
  }
  return std::nullopt;
}

RefusalCode RefusalForReject(RejectCode code) {
  switch (code) {
    case RejectCode::kOversize: return RefusalCode::kOversize;
    case RejectCode::kMalformed: return RefusalCode::kMalformed;
    case RejectCode::kNonCanonical: return RefusalCode::kNonCanonical;
    case RejectCode::kUnknownVersion: return RefusalCode::kUnknownVersion;
    case RejectCode::kUnknownKind: return RefusalCode::kUnknownKind;
    case RejectCode::kOutOfRange: return RefusalCode::kOutOfRange;
    case RejectCode::kBadSignature: return RefusalCode::kBadSignature;
    case RejectCode::kWrongNetwork: return RefusalCode::kWrongNetwork;
  }
  return RefusalCode::kMalformed;
}

RefusalCode RefusalForFinding(FindingCode code) {
  switch (code) {
    case FindingCode::kFork: return RefusalCode::kChainConflict;  // a person's second entry at a seq
    case FindingCode::kSuspended: return RefusalCode::kSuspended;
    case FindingCode::kFenced: return RefusalCode::kKeyFenced;
    case FindingCode::kRoleMissing: return RefusalCode::kRoleMissing;
    case FindingCode::kSelfConfirmation: return RefusalCode::kSelfConfirmation;
    case FindingCode::kSelfRecord: return RefusalCode::kSelfRecord;
    case FindingCode::kEntryCapExceeded: return RefusalCode::kEntryCapExceeded;
    case FindingCode::kDayCapExceeded: return RefusalCode::kDayCapExceeded;
    case FindingCode::kOverlap: return RefusalCode::kOverlap;
    case FindingCode::kUnknownCategory: return RefusalCode::kUnknownCategory;
    case FindingCode::kRejected: return RefusalCode::kRejected;
    case FindingCode::kReversed: return RefusalCode::kReversed;
    case FindingCode::kUnfunded: return RefusalCode::kInsufficientPoints;
    case FindingCode::kAlreadyFulfilled: return RefusalCode::kAlreadyFulfilled;
    case FindingCode::kOutOfStock: return RefusalCode::kOutOfStock;
    case FindingCode::kVoucherMismatch: return RefusalCode::kVoucherMismatch;
    case FindingCode::kConflictingKeyMove: return RefusalCode::kConflictingKeyMove;
    case FindingCode::kNotMember: return RefusalCode::kNotMember;
    case FindingCode::kOutOfWindow: return RefusalCode::kOutOfWindow;
    case FindingCode::kAlreadyEnrolled: return RefusalCode::kAlreadyEnrolled;
    case FindingCode::kStaleUpdate: return RefusalCode::kStaleUpdate;
    case FindingCode::kItemWithdrawn: return RefusalCode::kItemWithdrawn;
    case FindingCode::kUnknownRequest: return RefusalCode::kUnknownRequest;
    case FindingCode::kOwnRequest: return RefusalCode::kOwnRequest;
    case FindingCode::kRequestFull: return RefusalCode::kRequestFull;
    case FindingCode::kAlreadyTaken: return RefusalCode::kAlreadyTaken;
    case FindingCode::kNotTaken: return RefusalCode::kNotTaken;
    case FindingCode::kStaleRequest: return RefusalCode::kStaleRequest;
    case FindingCode::kNotResident: return RefusalCode::kNotResident;
  }
  return RefusalCode::kInternal;
}

RefusalCode RefusalForTrial(const Trial& trial, const EntryKind& kind) {
  switch (trial.problem) {
    case TrialProblem::kNone: return RefusalCode::kInternal;
    case TrialProblem::kChain: return RefusalCode::kChainConflict;
    case TrialProblem::kPending: return RefusalCode::kMissingPrevious;
    case TrialProblem::kInactive:
      return trial.status == EntryStatus::kFenced ? RefusalCode::kKeyFenced
                                                  : RefusalCode::kForkSuspended;
    case TrialProblem::kFinding:
      return trial.finding ? RefusalForFinding(trial.finding->code) : RefusalCode::kInternal;
    case TrialProblem::kTakesCredit: return RefusalCode::kTakesCredit;
    case TrialProblem::kNoEffect:
      return std::holds_alternative<Transfer>(kind) ? RefusalCode::kSelfTransfer
                                                    : RefusalCode::kNoEffect;
    case TrialProblem::kNotFound:
      if (std::holds_alternative<Redeem>(kind) || std::holds_alternative<Restock>(kind) ||
          std::holds_alternative<CatalogWithdraw>(kind)) {
        return RefusalCode::kUnknownItem;
      }
      if (std::holds_alternative<Fulfil>(kind)) return RefusalCode::kUnknownVoucher;
      return RefusalCode::kNotFound;
    case TrialProblem::kUnlisted:
    case TrialProblem::kPriceNotMet: return RefusalCode::kVoucherMismatch;
    case TrialProblem::kOutOfStock: return RefusalCode::kOutOfStock;
  }
  return RefusalCode::kInternal;
}

}  // namespace lovebank::ledger
