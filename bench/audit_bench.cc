// The auditor's speed and memory: a 1,000,000-entry export (LOVEBANK_BENCH_AUDIT_ENTRIES
// to change it) audited by the real `lovebank audit --file` in its own process, so its
// peak resident memory is the tool's alone. The rate is set beside the raw 2-core
// signature-verify rate measured in the same run, before and after.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>

#include "bench/workload.h"
#include "ledger/export_file.h"

namespace {

using namespace lovebank;
using Clock = std::chrono::steady_clock;

struct Run {
  int exit_code = -1;
  double seconds = 0;
  long max_rss_kib = 0;
};

// Runs argv with stdout to `out`, measuring wall time and peak RSS (wait4).
Run RunMeasured(const std::vector<std::string>& argv, const std::string& out) {
  Run run;
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(out.c_str(), "w", stdout);
    if (f == nullptr) _exit(127);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.max_rss_kib = usage.ru_maxrss;
  return run;
}

}  // namespace

int main() {
  std::size_t count = 1'000'000;
  if (const char* n = std::getenv("LOVEBANK_BENCH_AUDIT_ENTRIES")) count = std::stoul(n);
  std::string dir = std::getenv("LOVEBANK_BENCH_DIR") ? std::getenv("LOVEBANK_BENCH_DIR")
                                                      : "/tmp/lovebank-audit-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string file = dir + "/ledger.lbx";
  std::uint64_t entries = 0;
  {
    auto w = bench::MakeWorkload(count, 2000, 2);
    std::sort(w.entries.begin(), w.entries.end(), [](const auto& a, const auto& b) {
      return std::tie(a.entry.author, a.entry.seq, a.id) <
             std::tie(b.entry.author, b.entry.seq, b.id);
    });
    auto writer = ledger::ExportWriter::Create(
        file, ledger::ExportHeader{w.genesis.id, "Bench", 0, "audit_bench"});
    if (!writer) {
      std::fprintf(stderr, "audit_bench: %s\n", writer.error().message.c_str());
      return 1;
    }
    bool ok = static_cast<bool>((*writer)->Add(w.genesis.envelope));
    for (const auto& e : w.entries) ok = ok && static_cast<bool>((*writer)->Add(e.envelope));
    ok = ok && static_cast<bool>((*writer)->Finish());
    if (!ok) {
      std::fprintf(stderr, "audit_bench: cannot write %s\n", file.c_str());
      return 1;
    }
    entries = w.entries.size() + 1;
  }
  double verify_before = bench::RawVerifyRate(2);
  std::string out = dir + "/audit.json";
  Run run = RunMeasured({LOVEBANK_WALLET_BIN, "--json", "audit", "--file", file}, out);
  double verify_after = bench::RawVerifyRate(2);

  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  boost::json::error_code ec;
  auto doc = boost::json::parse(text.str(), ec);
  if (ec || run.exit_code != 0) {
    std::fprintf(stderr, "audit_bench: the audit exited %d: %s\n", run.exit_code,
                 text.str().substr(0, 500).c_str());
    return 1;
  }
  double audit_seconds = doc.at("seconds").to_number<double>();
  double verify = (verify_before + verify_after) / 2;
  double rate = static_cast<double>(entries) / run.seconds;
  std::printf("audit_entries: %llu entries\n", static_cast<unsigned long long>(entries));
  std::printf("audit_file_size: %.1f MiB\n",
              static_cast<double>(std::filesystem::file_size(file)) / (1 << 20));
  std::printf("audit_wall_time: %.2f s\n", run.seconds);
  std::printf("audit_verify_and_rules_time: %.2f s\n", audit_seconds);
  std::printf("audit_rate: %.0f entries/s\n", rate);
  std::printf("raw_verify_rate_2core: %.0f verifies/s\n", verify);
  std::printf("audit_ratio_to_verify: %.3f ratio\n", rate / verify);
  std::printf("audit_peak_rss: %.1f MiB\n", static_cast<double>(run.max_rss_kib) / 1024);
  // LOVEBANK_BENCH_KEEP leaves the export behind for profiling the audit by hand.
  if (!std::getenv("LOVEBANK_BENCH_KEEP")) std::filesystem::remove_all(dir);
  return 0;
}
