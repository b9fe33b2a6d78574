// Members and profiles from enrolments, and the account views built from every family.
#include <set>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

std::optional<AccountView> LedgerState::Impl::View(const PublicKey& root) const {
  AccountView out;
  out.id = root;
  out.keys = KeysOf(root);
  auto it = accounts_.find(root);
  if (it != accounts_.end()) {
    const AccountState& a = it->second;
    out.minutes = a.minutes;
    out.minutes_by_category = a.by_category;
    out.service_points = a.service_points;
    out.received_points = a.received;
    out.spent_points = a.funded_sum;
    out.unfunded_points = a.debit_sum - a.funded_sum;
    out.balance = SaturatingAdd(a.service_points, a.received) - a.funded_sum;
    out.debit_count = static_cast<std::uint32_t>(a.debits.size());
    if (a.profile) {
      const auto& e = *a.profile->As<Enrol>();
      out.profile = Profile{e.name, e.grid, e.building, e.teams};
    }
  }
  const PublicKey& current = out.keys.back();
  for (int r = 1; r < kRoleCount; ++r) {
    if (HoldsRole(current, HeadSeq(current) + 1, static_cast<Role>(r))) {
      out.roles.push_back(static_cast<Role>(r));
    }
  }
  bool empty = out.minutes == 0 && out.service_points == 0 && out.received_points == 0 &&
               out.debit_count == 0 && !out.profile && out.keys.size() == 1 &&
               !gov_.roles.HasAny(root);
  if (empty) return std::nullopt;
  return out;
}

std::optional<EntryId> LedgerState::Impl::ProfileEntry(const PublicKey& key) const {
  auto it = accounts_.find(AccountOf(key));
  if (it == accounts_.end() || it->second.profile == nullptr) return std::nullopt;
  return it->second.profile->id();
}

std::vector<AccountView> LedgerState::Impl::Accounts() const {
  std::set<PublicKey> roots;
  for (const auto& [root, a] : accounts_) roots.insert(root);
  for (const auto& [root, keys] : gov_.keys_of) roots.insert(root);
  for (const auto& root : gov_.roles.Roots()) roots.insert(root);
  std::vector<AccountView> out;
  for (const auto& root : roots) {
    if (auto view = View(root)) out.push_back(std::move(*view));
  }
  return out;
}

void LedgerState::Impl::ComputeMembers() {
  members_.clear();
  member_findings_.clear();
  for (const auto& admin : genesis_.admins) members_.insert(AccountOf(admin));
  KeyMap<std::vector<const Node*>> firsts, updates;  // by account
  for (const auto& [member, enrols] : enrols_by_member_) {
    for (const Node* n : enrols) {
      if (!Active(n)) continue;
      if (!Authorised(n)) {
        member_findings_.push_back({n->id(), {FindingCode::kRoleMissing, {}}});
        continue;
      }
      (n->As<Enrol>()->replaces ? updates : firsts)[AccountOf(member)].push_back(n);
    }
  }
  auto by_id = [](const Node* a, const Node* b) { return a->id() < b->id(); };
  for (auto& [root, list] : firsts) {
    std::sort(list.begin(), list.end(), by_id);
    for (std::size_t i = 1; i < list.size(); ++i) {
      member_findings_.push_back({list[i]->id(), {FindingCode::kAlreadyEnrolled, {}}});
    }
    const Node* current = list.front();
    members_.insert(root);
    auto pending = updates.find(root);
    if (pending != updates.end()) {
      auto& ups = pending->second;
      std::sort(ups.begin(), ups.end(), by_id);
      std::vector<bool> used(ups.size(), false);
      for (bool moved = true; moved;) {
        moved = false;
        for (std::size_t i = 0; i < ups.size(); ++i) {
          if (!used[i] && *ups[i]->As<Enrol>()->replaces == current->id()) {
            used[i] = true;
            current = ups[i];
            moved = true;
            break;  // the lowest id that replaces the current profile wins
          }
        }
      }
      for (std::size_t i = 0; i < ups.size(); ++i) {
        if (!used[i]) member_findings_.push_back({ups[i]->id(), {FindingCode::kStaleUpdate, {}}});
      }
      updates.erase(pending);
    }
    accounts_[root].profile = current;
    touched_accounts_.insert(root);
  }
  for (const auto& [root, ups] : updates) {  // updates of someone never enrolled
    for (const Node* n : ups)
      member_findings_.push_back({n->id(), {FindingCode::kStaleUpdate, {}}});
  }
}

void LedgerState::Impl::IndexMembers(Node* n) {
  if (auto* en = n->As<Enrol>()) enrols_by_member_[en->member].push_back(n);
}

void LedgerState::Impl::UnIndexMembers(Node* n) {
  if (auto* en = n->As<Enrol>()) EraseFromList(enrols_by_member_, en->member, n);
}

void LedgerState::Impl::MemberFindings(const Node* n, std::vector<Finding>& out) const {
  FindingsAt(n->id(), member_findings_, out);
}

}  // namespace lovebank::ledger
