#include "ledger/ingest.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace lovebank::ledger {

std::vector<VerifyOutcome> VerifyEnvelopes(const std::vector<Bytes>& envelopes,
                                           const std::optional<NetworkId>& network,
                                           unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::optional<VerifyOutcome>> slots(envelopes.size());
  // Work is handed out in small chunks from a shared counter, so a slow thread
  // does not hold up the batch.
  constexpr std::size_t kChunk = 64;
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (;;) {
      std::size_t begin = next.fetch_add(kChunk);
      if (begin >= envelopes.size()) return;
      std::size_t end = std::min(begin + kChunk, envelopes.size());
      for (std::size_t i = begin; i < end; ++i) slots[i].emplace(VerifyEnvelope(envelopes[i], network));
    }
  };
  unsigned helpers = std::min<unsigned>(threads, static_cast<unsigned>(
                                                     (envelopes.size() + kChunk - 1) / kChunk)) ;
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < helpers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  std::vector<VerifyOutcome> out;
  out.reserve(slots.size());
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

}  // namespace lovebank::ledger
