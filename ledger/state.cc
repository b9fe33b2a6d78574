// The facade of ledger/state.h: each call forwards to LedgerState::Impl, whose rule
// families live in ledger/internal/state/ (impl.h maps them).
#include "ledger/state.h"

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

LedgerState::LedgerState(const VerifiedEntry& genesis) : impl_(std::make_unique<Impl>(genesis)) {}
LedgerState::~LedgerState() = default;
const NetworkId& LedgerState::network() const { return impl_->network(); }
const Genesis& LedgerState::genesis() const { return impl_->genesis(); }
AddResult LedgerState::Add(VerifiedEntry entry) { return impl_->Add(std::move(entry)); }
void LedgerState::Settle() { impl_->Settle(); }
crypto::Digest LedgerState::StateHash() const { return impl_->StateHash(); }
std::optional<AccountView> LedgerState::Account(const PublicKey& key) const {
  return impl_->Account(key);
}
std::vector<AccountView> LedgerState::Accounts() const { return impl_->Accounts(); }
std::optional<EntryId> LedgerState::ProfileEntry(const PublicKey& key) const {
  return impl_->ProfileEntry(key);
}
std::vector<ItemView> LedgerState::Items() const { return impl_->Items(); }
std::optional<RequestView> LedgerState::Request(const EntryId& id) const {
  return impl_->Request(id);
}
std::vector<RequestView> LedgerState::Requests() const { return impl_->Requests(); }
Trial LedgerState::TryAdmit(std::vector<VerifiedEntry> entries, const TrialOptions& options) {
  return impl_->TryAdmit(std::move(entries), options);
}
std::vector<Finding> LedgerState::FindingsOfEntry(const EntryId& id) const {
  return impl_->FindingsOfEntryId(id);
}
std::vector<ForkEvidence> LedgerState::Forks() const { return impl_->Forks(); }
std::vector<PublicKey> LedgerState::NodeRoster() const { return impl_->NodeRoster(); }
EntryStatus LedgerState::Status(const EntryId& id) const { return impl_->Status(id); }
std::vector<Finding> LedgerState::FindingsFor(const EntryId& id) const {
  const auto& all = impl_->Findings();
  auto it = all.find(id);
  return it == all.end() ? std::vector<Finding>{} : it->second;
}
const std::map<EntryId, std::vector<Finding>>& LedgerState::Findings() const {
  return impl_->Findings();
}
bool LedgerState::HoldsRole(const PublicKey& key, std::uint64_t seq, Role role) const {
  return impl_->HoldsRole(key, seq, role);
}
PublicKey LedgerState::AccountOf(const PublicKey& key) const { return impl_->AccountOf(key); }
std::uint64_t LedgerState::Spendable(const PublicKey& key) const { return impl_->Spendable(key); }
std::uint64_t LedgerState::HeadSeq(const PublicKey& key) const { return impl_->HeadSeq(key); }
bool LedgerState::ForkedAt(const PublicKey& author, std::uint64_t seq) const {
  return impl_->ForkedAt(author, seq);
}
ChainSummary LedgerState::Summary(const PublicKey& author) const { return impl_->Summary(author); }
void LedgerState::Reserve(std::size_t entries) { impl_->Reserve(entries); }
std::vector<std::pair<std::uint64_t, EntryId>> LedgerState::ChainIds(
    const PublicKey& author) const {
  return impl_->ChainIds(author);
}
void LedgerState::ForEachChain(
    const std::function<void(const PublicKey&, const ChainSummary&)>& fn) const {
  impl_->ForEachChain(fn);
}
const VerifiedEntry* LedgerState::Find(const EntryId& id) const { return impl_->Find(id); }
void LedgerState::ForEachEntry(
    const std::function<void(const VerifiedEntry&, bool connected)>& fn) const {
  impl_->ForEachEntry(fn);
}
void LedgerState::ForEachCredit(const std::function<void(const ServiceCredit&)>& fn) const {
  impl_->ForEachCredit(fn);
}
std::vector<ServiceCredit> LedgerState::Credits(const PublicKey& key) const {
  return impl_->Credits(key);
}
bool LedgerState::IsFunded(const EntryId& id) const { return impl_->IsFunded(id); }
void LedgerState::ReleaseEnvelope(const EntryId& id) { impl_->ReleaseEnvelope(id); }
std::vector<EntryId> LedgerState::FulfilsOf(const EntryId& redeem) const {
  return impl_->FulfilsOf(redeem);
}
std::uint64_t LedgerState::FulfilledUnfundedPoints(const PublicKey& key) const {
  return impl_->FulfilledUnfundedPoints(key);
}
std::vector<EntryId> LedgerState::WaitingClaims(const std::optional<PublicKey>& judge) const {
  return impl_->WaitingClaims(judge);
}
std::uint64_t LedgerState::connected_count() const { return impl_->connected_count(); }
std::uint64_t LedgerState::pending_count() const { return impl_->pending_count(); }
LedgerState::Changes LedgerState::TakeChanges() { return impl_->TakeChanges(); }

}  // namespace lovebank::ledger
