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
// A help request as the rules stand: what, for whom, where, its state, takers and
// credited resolves (docs/api.md, GET /v1/requests).
// A category of the policy: its rate and the deadlines its help requests keep, in
// minutes per urgency (the policy's where it sets them, else the defaults).
boost::json::object CategoryJson(const ledger::Policy& policy, const ledger::Category& c);
boost::json::object RequestJson(const ledger::RequestView& request,
                                const ledger::LedgerState& state);
std::string_view RequestStateName(ledger::RequestView::State state);
boost::json::object ItemJson(const ledger::ItemView& item, const ledger::LedgerState& state);

}  // namespace lovebank::node
