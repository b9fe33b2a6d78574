// The rule families in the order Index(), UnIndex(), FastApply() and
// FindingsOfEntry() run them. Each family's hooks are in its own file.
#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

// The hooks of different families write different data, so their order does not
// change the result.
const LedgerState::Impl::Family LedgerState::Impl::kFamilies[6] = {
    {&Impl::IndexGovernance, &Impl::UnIndexGovernance, nullptr, &Impl::GovernanceFindings},
    {&Impl::IndexMembers, &Impl::UnIndexMembers, nullptr, &Impl::MemberFindings},
    {&Impl::IndexServices, &Impl::UnIndexServices, &Impl::ApplyServices, &Impl::ServiceFindings},
    {&Impl::IndexCatalogue, &Impl::UnIndexCatalogue, &Impl::ApplyCatalogue,
     &Impl::CatalogueFindings},
    {&Impl::IndexRequests, &Impl::UnIndexRequests, &Impl::ApplyRequests, &Impl::RequestFindings},
    {&Impl::IndexFunding, &Impl::UnIndexFunding, &Impl::ApplyFunding, &Impl::FundingFindings},
};

}  // namespace lovebank::ledger
