// Which keys an entry concerns, for account histories: its author and every key it
// names as a party (the member enrolled, the subject of a role act, the node granted,
// both keys of a key move, the volunteers of a record, the beneficiary of a claim,
// the recipient of a transfer, the station of a voucher, the author of the claim a
// verdict judges, of the voucher a fulfilment names and of the entry a reversal
// targets, the author a fork resolution settles).
#pragma once

#include <vector>

#include "ledger/entry.h"
#include "ledger/state.h"

namespace lovebank::ledger {

// Sorted, without duplicates. Entries an entry names are looked up in `state`; one
// not held there (a verdict on a claim not yet arrived) adds nobody.
std::vector<PublicKey> PartiesOf(const VerifiedEntry& entry, const LedgerState& state);

}  // namespace lovebank::ledger
