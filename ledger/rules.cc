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
    case FindingCode::kItemWithdrawn:
      return "item_withdrawn";
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
        } else if constexpr (std::is_same_v<K, ServiceRecord>) {
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

}  // namespace lovebank::ledger
