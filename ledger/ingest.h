// Parallel verification of received envelopes, the expensive half of ingest.
// Signature checks are independent, so they spread over every core; applying the
// verified entries to the Store stays on one thread.
#pragma once

#include <optional>
#include <vector>

#include "base/result.h"
#include "ledger/entry.h"

namespace lovebank::ledger {

using VerifyOutcome = Result<VerifiedEntry, Rejection>;

// VerifyEnvelope on each of `envelopes`, using `threads` threads (0: one per core).
// Results come back in input order. Thread-safe; blocks until all are done.
std::vector<VerifyOutcome> VerifyEnvelopes(const std::vector<Bytes>& envelopes,
                                           const std::optional<NetworkId>& network,
                                           unsigned threads = 0);

}  // namespace lovebank::ledger
