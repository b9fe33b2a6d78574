#include "ledger/parties.h"

#include <algorithm>
#include <type_traits>
#include <variant>

namespace lovebank::ledger {

std::vector<PublicKey> PartiesOf(const VerifiedEntry& v, const LedgerState& state) {
  std::vector<PublicKey> keys{v.entry.author};
  auto author_of = [&](const EntryId& id) {
    if (const VerifiedEntry* other = state.Find(id)) keys.push_back(other->entry.author);
  };
  std::visit(
      [&](const auto& k) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, Enrol>) {
          keys.push_back(k.member);
        } else if constexpr (std::is_same_v<K, RoleGrant> || std::is_same_v<K, RoleRevoke>) {
          keys.push_back(k.subject);
        } else if constexpr (std::is_same_v<K, NodeGrant> || std::is_same_v<K, NodeRevoke>) {
          keys.push_back(k.node);
        } else if constexpr (std::is_same_v<K, KeyRotate> || std::is_same_v<K, Recover>) {
          keys.push_back(k.old_key);
          keys.push_back(k.new_key);
        } else if constexpr (std::is_same_v<K, ServiceRecord>) {
          keys.insert(keys.end(), k.volunteers.begin(), k.volunteers.end());
        } else if constexpr (std::is_same_v<K, ServiceClaim>) {
          if (k.beneficiary) keys.push_back(*k.beneficiary);
        } else if constexpr (std::is_same_v<K, ServiceConfirm> ||
                             std::is_same_v<K, ServiceReject>) {
          author_of(k.claim);
        } else if constexpr (std::is_same_v<K, Transfer>) {
          keys.push_back(k.to);
        } else if constexpr (std::is_same_v<K, Redeem>) {
          keys.push_back(k.station);
        } else if constexpr (std::is_same_v<K, Fulfil>) {
          author_of(k.redeem);
        } else if constexpr (std::is_same_v<K, Reversal>) {
          author_of(k.target);
          if (k.volunteer) keys.push_back(*k.volunteer);
        } else if constexpr (std::is_same_v<K, ForkResolution>) {
          keys.push_back(k.author);
        }
      },
      v.entry.kind);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace lovebank::ledger
