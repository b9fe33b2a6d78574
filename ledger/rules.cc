#include "ledger/rules.h"

#include <type_traits>
#include <variant>

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
    case FindingCode::kNotMember: return "not_member";
    case FindingCode::kOutOfWindow: return "out_of_window";
    case FindingCode::kAlreadyEnrolled: return "already_enrolled";
    case FindingCode::kStaleUpdate: return "stale_update";
    case FindingCode::kItemWithdrawn: return "item_withdrawn";
    case FindingCode::kUnknownRequest: return "unknown_request";
    case FindingCode::kOwnRequest: return "own_request";
    case FindingCode::kRequestFull: return "request_full";
    case FindingCode::kAlreadyTaken: return "already_taken";
    case FindingCode::kNotTaken: return "not_taken";
    case FindingCode::kStaleRequest: return "stale_request";
    case FindingCode::kNotResident: return "not_resident";
  }
  return "unknown";
}

std::span<const Role> RolesFor(const EntryKind& kind) {
  static constexpr Role kAdmin[] = {Role::kAdmin};
  static constexpr Role kEnroller[] = {Role::kAdmin, Role::kCoordinator};
  static constexpr Role kCoordinator[] = {Role::kCoordinator};
  static constexpr Role kStation[] = {Role::kStation};
  static constexpr Role kAuditor[] = {Role::kAuditor};
  return std::visit(
      [](const auto& k) -> std::span<const Role> {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, RoleGrant> || std::is_same_v<K, RoleRevoke> ||
                      std::is_same_v<K, NodeGrant> || std::is_same_v<K, NodeRevoke> ||
                      std::is_same_v<K, Recover> || std::is_same_v<K, Reversal> ||
                      std::is_same_v<K, ForkResolution>) {
          return kAdmin;
        } else if constexpr (std::is_same_v<K, Enrol>) {
          return kEnroller;
        } else if constexpr (std::is_same_v<K, ServiceRecord> ||
                             std::is_same_v<K, RequestEscalate>) {
          return kCoordinator;
        } else if constexpr (std::is_same_v<K, CatalogItem> || std::is_same_v<K, Restock> ||
                             std::is_same_v<K, Fulfil> || std::is_same_v<K, CatalogWithdraw>) {
          return kStation;
        } else if constexpr (std::is_same_v<K, AuditCheckpoint>) {
          return kAuditor;
        } else {
          return {};
        }
      },
      kind);
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

RequestDeadlines DeadlinesFor(Urgency urgency) {
  constexpr std::uint64_t kHour = 3'600'000;
  switch (urgency) {
    case Urgency::kEmergency:
      return {1 * kHour, 2 * kHour};
    case Urgency::kComplex:
      return {48 * kHour, 7 * 24 * kHour};
    case Urgency::kNormal:
      break;
  }
  return {12 * kHour, 24 * kHour};
}

RequestDeadlines DeadlinesFor(const Policy& policy, const std::string& category, Urgency urgency) {
  RequestDeadlines d = DeadlinesFor(urgency);
  const auto u = static_cast<std::size_t>(urgency);
  for (const Category& c : policy.categories) {
    if (c.name != category || u >= c.deadlines.size()) continue;
    const RequestTimes& t = c.deadlines[u];
    if (t.take_minutes) d.take_ms = std::uint64_t{t.take_minutes} * 60'000;
    if (t.resolve_minutes) d.resolve_ms = std::uint64_t{t.resolve_minutes} * 60'000;
  }
  return d;
}

}  // namespace lovebank::ledger
