// A realistic stream of pre-signed entries for the benchmarks: a community of many
// volunteers whose coordinators record service, who give points to each other and
// redeem gifts, every debit funded and every interval distinct, so the measured
// path is the one a healthy community's node takes all day.
#pragma once

#include <cstdint>
#include <vector>

#include "ledger/entry.h"

namespace lovebank::bench {

struct Workload {
  ledger::VerifiedEntry genesis;
  std::vector<ledger::VerifiedEntry> entries;  // in a valid arrival order
};

// About `count` entries by `volunteers` volunteers and 20 coordinators, signed on
// `threads` threads. The admin puts `nodes` on the node roster first.
Workload MakeWorkload(std::size_t count, std::size_t volunteers, unsigned threads,
                      const std::vector<ledger::PublicKey>& nodes = {});

// Raw Ed25519 verifies per second (crypto_sign_verify_detached, 512 keys, 200-byte
// messages) on `threads` threads for about two seconds: the yardstick every ingest,
// catch-up and audit rate is divided by, measured in the same run.
double RawVerifyRate(unsigned threads);

}  // namespace lovebank::bench
