// The JSON shapes of the HTTP API (docs/api.md): entries, accounts, items. Keys and
// ids are lowercase hex; amounts are integers; times are Unix milliseconds.
#pragma once

#include <boost/json/value.hpp>

#include "ledger/entry.h"
#include "ledger/state.h"

namespace lovebank::node {

// The member's enrolled name, or "" when there is none.
std::string NameOf(const ledger::LedgerState& state, const ledger::PublicKey& key);

boost::json::object EntryJson(const ledger::VerifiedEntry& entry,
                              const ledger::LedgerState& state);
boost::json::object AccountJson(const ledger::AccountView& account,
                                const ledger::LedgerState& state);
boost::json::object ItemJson(const ledger::ItemView& item, const ledger::LedgerState& state);

}  // namespace lovebank::node
