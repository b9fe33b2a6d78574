// Google Benchmark micro-benchmarks of the per-entry costs of ingest: canonical
// decode, full envelope verification (decode + signature + id) and the raw
// signature check alone, so their ratio shows what the ledger adds to libsodium.
#include <benchmark/benchmark.h>

#include "bench/workload.h"
#include "crypto/signing.h"
#include "ledger/entry.h"

namespace lovebank::bench {
namespace {

const Workload& Sample() {
  static const Workload workload = MakeWorkload(4096, 1000, 2);
  return workload;
}

void BM_VerifyEnvelope(benchmark::State& state) {
  const auto& w = Sample();
  std::size_t i = 0;
  for (auto _ : state) {
    auto v = ledger::VerifyEnvelope(w.entries[i++ % w.entries.size()].envelope, w.genesis.id);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_VerifyEnvelope);

void BM_RawVerify(benchmark::State& state) {
  auto key = crypto::SecretKey::Generate();
  Bytes message(200, 'm');
  auto signature = crypto::SignDetachedForBenchmark(key, message);
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::VerifyDetachedForBenchmark(key.public_key(), message, signature));
  }
}
BENCHMARK(BM_RawVerify);

}  // namespace
}  // namespace lovebank::bench

int main(int argc, char** argv) {
  lovebank::crypto::InitCrypto();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
