// Ledger-core load generator: ingest of pre-signed entries from many authors into
// RocksDB with every signature verified and state applied, beside the raw
// signature-verify rate measured in the same run on the same cores; then the state
// hash and a full rebuild of derived state from the stored entries.
//
// Environment: LOVEBANK_BENCH_ENTRIES (default 1000000), LOVEBANK_BENCH_THREADS
// (default: every core), LOVEBANK_BENCH_BATCH (entries per commit, default 10000),
// LOVEBANK_BENCH_DIR (where the database goes; default a temp dir, removed after),
// LOVEBANK_BENCH_SYNC=0 (diagnosis only: commits without fsync).
// Prints one figure a line: `name: value unit`.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "bench/workload.h"
#include "crypto/signing.h"
#include "ledger/ingest.h"
#include "ledger/state.h"
#include "ledger/store.h"

namespace lovebank::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::size_t EnvOr(const char* name, std::size_t fallback) {
  const char* value = std::getenv(name);
  return value ? std::strtoull(value, nullptr, 10) : fallback;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

void Print(const char* name, double value, const char* unit) {
  std::printf("%s: %.3f %s\n", name, value, unit);
  std::fflush(stdout);
}

void Progress(const char* what) {
  std::fprintf(stderr, "ledger_bench: %s...\n", what);
}

double ResidentMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}


int Run() {
  const std::size_t entries = EnvOr("LOVEBANK_BENCH_ENTRIES", 1'000'000);
  const unsigned threads =
      static_cast<unsigned>(EnvOr("LOVEBANK_BENCH_THREADS", std::thread::hardware_concurrency()));
  const std::size_t batch_size = EnvOr("LOVEBANK_BENCH_BATCH", 10000);
  const char* dir_env = std::getenv("LOVEBANK_BENCH_DIR");
  std::filesystem::path dir = dir_env ? std::filesystem::path(dir_env)
                                      : std::filesystem::temp_directory_path() /
                                            ("lovebank-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);

  Progress("signing the workload");
  auto start = Clock::now();
  Workload workload = MakeWorkload(entries, std::max<std::size_t>(1000, entries / 400), threads);
  Print("workload_entries", static_cast<double>(workload.entries.size()), "entries");
  Print("workload_sign_seconds", Seconds(start), "s");

  Progress("measuring the raw verify rate");
  const double verify_1 = bench::RawVerifyRate(1);
  const double verify_n = bench::RawVerifyRate(threads);
  Print("raw_verify_rate_1_core", verify_1, "signatures/s");
  Print("raw_verify_rate_all_cores", verify_n, "signatures/s");
  Print("verify_threads", threads, "threads");

  // LOVEBANK_BENCH_SYNC=0 turns off the synced commit, only to see how much of the
  // ingest time is waiting for the disk; the reported figure is always with sync.
  const bool sync = EnvOr("LOVEBANK_BENCH_SYNC", 1) != 0;
  Print("ingest_synced_commits", sync ? 1 : 0, "bool");
  auto store = ledger::Store::Create({dir.string(), sync}, workload.genesis);
  if (!store) {
    std::fprintf(stderr, "ledger_bench: %s\n", store.error().message.c_str());
    return 1;
  }
  Progress("ingesting (verify every signature, apply, synced commit per batch)");
  std::vector<Bytes> envelopes;
  envelopes.reserve(workload.entries.size());
  for (auto& e : workload.entries) envelopes.push_back(std::move(e.envelope));
  workload.entries = {};  // so resident memory below is the node's, not the generator's
  const std::size_t total = envelopes.size();
  start = Clock::now();
  auto next_report = Clock::now() + std::chrono::seconds(10);
  auto stats = ledger::VerifyAndIngest(**store, std::move(envelopes), batch_size, threads,
                                       [&](std::size_t done) {
                                         if (Clock::now() < next_report) return;
                                         std::fprintf(stderr, "ledger_bench: %zu of %zu ingested\n",
                                                      done, total);
                                         next_report += std::chrono::seconds(10);
                                       });
  if (!stats) {
    std::fprintf(stderr, "ledger_bench: %s\n", stats.error().message.c_str());
    return 1;
  }
  const double ingest_seconds = Seconds(start);
  const double ingest_rate = static_cast<double>(total) / ingest_seconds;
  const std::size_t rejected = total - stats->applied;
  Print("ingest_rate", ingest_rate, "entries/s");
  Print("ingest_seconds", ingest_seconds, "s");
  Print("ingest_waiting_for_verification_seconds", stats->verify_wait_seconds, "s");
  Print("ingest_apply_and_commit_seconds", stats->apply_commit_seconds, "s");
  Print("ingest_resident_memory", ResidentMiB(), "MiB");
  // Shared machines drift: the verify rate is measured before and after the ingest
  // and the ratio uses their mean, so both sides see the same conditions.
  const double verify_after = bench::RawVerifyRate(threads);
  Print("raw_verify_rate_all_cores_after", verify_after, "signatures/s");
  Print("ingest_over_raw_verify_all_cores", ingest_rate / ((verify_n + verify_after) / 2),
        "ratio");
  Print("ingest_not_applied", static_cast<double>(rejected), "entries");

  const auto& state = (*store)->state();
  std::size_t findings = state.Findings().size();
  Print("entries_with_findings", static_cast<double>(findings), "entries");

  start = Clock::now();
  auto hash = state.StateHash();
  Print("state_hash_seconds", Seconds(start), "s");
  Print("state_hash_entries", static_cast<double>(state.connected_count()), "entries");

  Progress("rebuilding derived state from the stored entries");
  start = Clock::now();
  auto rebuilt = (*store)->Rebuild();
  Print("rebuild_seconds", Seconds(start), "s");
  if (!rebuilt || *rebuilt != hash) {
    std::fprintf(stderr, "ledger_bench: rebuild gave a different state hash\n");
    return 1;
  }
  Print("rebuild_matches_state_hash", 1, "bool");
  store->reset();

  // The one judgement's cost (LedgerState::TryAdmit): the last entries of a workload
  // applied one at a time to a state holding the rest, plainly (Add) and as a node
  // admits a person's entry (TryAdmit). CPU time of this thread only.
  {
    Progress("measuring the judgement: plain apply vs trial, entry by entry");
    const std::size_t trial_entries = EnvOr("LOVEBANK_BENCH_TRIAL_ENTRIES", 100'000);
    Workload w = MakeWorkload(trial_entries, std::max<std::size_t>(250, trial_entries / 400),
                              threads);
    const std::size_t tail = w.entries.size() / 5;
    const std::size_t head = w.entries.size() - tail;
    auto prefix = [&] {
      auto fresh = std::make_unique<ledger::LedgerState>(w.genesis);
      for (std::size_t i = 0; i < head; ++i) fresh->Add(w.entries[i]);
      fresh->Settle();
      return fresh;
    };
    auto cpu = [] {
      timespec t{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
    };
    // Both settle (and collect findings) once per 1,000 entries, as a node's commit
    // group would; the trial also settles each entry on its own, which is its cost.
    constexpr std::size_t kGroup = 1000;
    auto plain = prefix();
    double t0 = cpu();
    for (std::size_t i = head; i < w.entries.size(); ++i) {
      plain->Add(w.entries[i]);
      if ((i - head) % kGroup == kGroup - 1) plain->Settle();
    }
    plain->Settle();
    const double plain_s = cpu() - t0;
    auto judged = prefix();
    std::size_t refused = 0;
    t0 = cpu();
    for (std::size_t i = head; i < w.entries.size(); ++i) {
      refused += !judged->TryAdmit({w.entries[i]}).admitted;
      if ((i - head) % kGroup == kGroup - 1) judged->Settle();
    }
    judged->Settle();
    const double judged_s = cpu() - t0;
    Print("trial_entries", static_cast<double>(tail), "entries");
    Print("trial_refused", static_cast<double>(refused), "entries");
    Print("plain_apply_cpu_per_entry", plain_s / static_cast<double>(tail) * 1e6, "us");
    Print("trial_apply_cpu_per_entry", judged_s / static_cast<double>(tail) * 1e6, "us");
    Print("trial_over_plain_apply_cpu", judged_s / plain_s, "ratio");
    Print("trial_cpu_over_raw_verify_cpu",
          (judged_s - plain_s) / static_cast<double>(tail) * verify_1, "ratio");
    if (judged->StateHash() != plain->StateHash()) {
      std::fprintf(stderr, "ledger_bench: judged and plain application disagree\n");
      return 1;
    }
  }
  if (!dir_env) std::filesystem::remove_all(dir);
  return rejected == 0 ? 0 : 1;
}

}  // namespace
}  // namespace lovebank::bench

int main() {
  lovebank::crypto::InitCrypto();
  return lovebank::bench::Run();
}
