// Admission: how a node answers a person's submission (a wallet, a page, a voucher
// shown at a station). The judgement itself is the ledger's (LedgerState::TryAdmit,
// the same code that settles the ledger); this file holds only the node's own local
// policy around it — the node's clock, the station's offline floor limit — and turns
// a refusal into words a person can act on: what is wrong, which entry it conflicts
// with (short id, what, when), and the next step. docs/api.md lists every code.
//
// Pure: reads the state and the caller's clock value; no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "i18n/i18n.h"
#include "ledger/entry.h"
#include "ledger/refusal.h"
#include "ledger/state.h"

namespace lovebank::node {

struct Refusal {
  ledger::RefusalCode code = ledger::RefusalCode::kInternal;
  std::string message;  // for a person: what is wrong and what to do
};

struct AdmissionOptions {
  std::int64_t now_ms = 0;  // the node's clock
  std::int64_t max_clock_skew_ms = 10 * 60 * 1000;
  std::uint64_t offline_limit_points = 0;
  // Points of a volunteer's fulfilled vouchers this node cannot prove funded
  // (LedgerState::FulfilledUnfundedPoints); unset counts as 0.
  std::function<std::uint64_t(const ledger::PublicKey& volunteer)> unproven_points;
  // The language of the person who submitted (the request's Accept-Language).
  i18n::Lang lang = i18n::Lang::kEn;
};

// The node's local policy for a person's new entry, before the ledger judges it: no
// second genesis, and a timestamp near this node's clock. nullopt if it passes.
std::optional<Refusal> CheckLocalPolicy(const ledger::VerifiedEntry& entry,
                                        const AdmissionOptions& options);

// The trial options for a submission: what the node's policy forgives. A voucher
// bundle's debits may be unproven here (the station may be offline); a fulfil of an
// unproven voucher passes while the volunteer's unproven vouchers stay within the
// station's offline limit.
ledger::TrialOptions TrialOptionsFor(bool voucher, const ledger::LedgerState& state,
                                     const AdmissionOptions& options);

// What a person calls an entry of this kind ("service record", "服务记录").
std::string KindWord(i18n::Lang lang, const ledger::EntryKind& kind);

// The words for a refused trial of `entry` (the submission's refused entry).
Refusal Explain(const ledger::Trial& trial, const ledger::VerifiedEntry& entry,
                const ledger::LedgerState& state, const AdmissionOptions& options);

}  // namespace lovebank::node
