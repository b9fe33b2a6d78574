#include "ledger/ingest.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "ledger/store.h"

namespace lovebank::ledger {

void ParallelFor(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  constexpr std::size_t kChunk = 64;
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (;;) {
      std::size_t begin = next.fetch_add(kChunk);
      if (begin >= count) return;
      std::size_t end = std::min(begin + kChunk, count);
      for (std::size_t i = begin; i < end; ++i) fn(i);
    }
  };
  unsigned helpers =
      std::min<unsigned>(threads, static_cast<unsigned>((count + kChunk - 1) / kChunk));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < helpers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

std::vector<VerifyOutcome> VerifyEnvelopes(std::vector<Bytes> envelopes,
                                           const std::optional<NetworkId>& network,
                                           unsigned threads) {
  std::vector<std::optional<VerifyOutcome>> slots(envelopes.size());
  ParallelFor(envelopes.size(), threads, [&](std::size_t i) {
    slots[i].emplace(VerifyEnvelope(std::move(envelopes[i]), network));
  });
  std::vector<VerifyOutcome> out;
  out.reserve(slots.size());
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

}  // namespace lovebank::ledger

namespace lovebank::ledger {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<IngestStats> VerifyAndIngest(Store& store, std::vector<Bytes> envelopes,
                                    std::size_t batch_size, unsigned threads,
                                    const std::function<void(std::size_t)>& progress) {
  IngestStats stats;
  const NetworkId network = store.state().network();
  auto slice = [&](std::size_t begin) {
    std::size_t end = std::min(begin + batch_size, envelopes.size());
    return std::vector<Bytes>(std::make_move_iterator(envelopes.begin() + begin),
                              std::make_move_iterator(envelopes.begin() + end));
  };
  auto verify = [&](std::vector<Bytes> batch) {
    return std::async(std::launch::async, [batch = std::move(batch), &network, threads]() mutable {
      return VerifyEnvelopes(std::move(batch), network, threads);
    });
  };
  if (envelopes.empty()) return stats;
  auto next = verify(slice(0));
  for (std::size_t begin = 0; begin < envelopes.size(); begin += batch_size) {
    auto wait_start = std::chrono::steady_clock::now();
    auto verified = next.get();
    stats.verify_wait_seconds += SecondsSince(wait_start);
    if (begin + batch_size < envelopes.size()) next = verify(slice(begin + batch_size));
    std::vector<VerifiedEntry> batch;
    batch.reserve(verified.size());
    for (auto& v : verified) {
      if (v) {
        batch.push_back(std::move(*v));
      } else {
        ++stats.rejected;
      }
    }
    auto apply_start = std::chrono::steady_clock::now();
    auto results = store.Ingest(std::move(batch));
    stats.apply_commit_seconds += SecondsSince(apply_start);
    if (!results) {
      if (next.valid()) next.wait();
      return results.error();
    }
    for (const auto& r : *results) {
      switch (r.outcome) {
        case AddOutcome::kApplied: ++stats.applied; break;
        case AddOutcome::kPending: ++stats.pending; break;
        case AddOutcome::kDuplicate: ++stats.duplicate; break;
        case AddOutcome::kInvalid: ++stats.invalid; break;
      }
    }
    if (progress) progress(std::min(begin + batch_size, envelopes.size()));
  }
  return stats;
}

}  // namespace lovebank::ledger
