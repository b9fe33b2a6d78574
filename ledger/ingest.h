// Parallel verification of received envelopes, the expensive half of ingest.
// Signature checks are independent, so they spread over every core; applying the
// verified entries to the Store stays on one thread.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "base/result.h"
#include "ledger/entry.h"

namespace lovebank::ledger {

using VerifyOutcome = Result<VerifiedEntry, Rejection>;

// Calls fn(i) for every i in [0, count) on `threads` threads (the caller's among them;
// 0: one per core), handing out indexes in small chunks from a shared counter so a
// slow thread does not hold the rest up. Returns when all are done.
void ParallelFor(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn);

// VerifyEnvelope on each of `envelopes` (taken over, not copied), using `threads`
// threads (0: one per core). Results come back in input order. Blocks until all are
// done.
std::vector<VerifyOutcome> VerifyEnvelopes(std::vector<Bytes> envelopes,
                                           const std::optional<NetworkId>& network,
                                           unsigned threads = 0);

}  // namespace lovebank::ledger

namespace lovebank::ledger {

class Store;

struct IngestStats {
  std::size_t applied = 0;    // connected to their chains
  std::size_t pending = 0;    // waiting for their prev
  std::size_t duplicate = 0;  // already stored
  std::size_t invalid = 0;    // refused by the state (wrong community, broken link)
  std::size_t rejected = 0;   // refused by verification (signature, form)
  // Where the calling thread's time went: waiting for the next batch's signatures,
  // and applying plus committing batches (verification of the next batch overlaps it).
  double verify_wait_seconds = 0;
  double apply_commit_seconds = 0;
};

// Verifies and ingests `envelopes` in batches of `batch_size`. Batch k+1 is verified
// on `threads` threads while batch k is applied and committed, so signature checks
// overlap the state work and the disk sync. Each batch is one durable commit. On a
// store error, batches already committed stay committed and the error is returned.
// `progress`, if set, is called after each batch with the number done so far.
Result<IngestStats> VerifyAndIngest(Store& store, std::vector<Bytes> envelopes,
                                    std::size_t batch_size, unsigned threads,
                                    const std::function<void(std::size_t)>& progress = {});

}  // namespace lovebank::ledger
