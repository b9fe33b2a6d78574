// Soak: one lovebank-node under a steady stream of wallet submissions while two peers
// sync from it, for half an hour. Samples the node's resident memory every 10 s and
// reports it at the start, half-way and the end, every error the wallets saw, and
// whether every acknowledged entry reached all three nodes. Run by scripts/soak; not
// part of `make test` or `make bench`.
//
// Knobs: LOVEBANK_SOAK_MINUTES (30), LOVEBANK_SOAK_RATE (submissions/s, 200),
// LOVEBANK_SOAK_DIR (/tmp/lovebank-soak), LOVEBANK_SOAK_HOSTILE (1: the hostile HTTP
// client in every mode at once against the node's API, and silent sockets on its peer
// port, for the whole run; scripts/hostile-soak).
#include <boost/json.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/hex.h"
#include "crypto/secret_file.h"
#include "ledger/entry.h"
#include "tests/support/process.h"
#include "wallet-cli/client.h"

namespace {

using namespace lovebank;
using namespace lovebank::ledger;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

double Env(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtod(v, nullptr) : fallback;
}

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// Resident memory of a process, from /proc (kB there; MiB here).
double RssMiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "soak: %s\n", why.c_str());
  std::exit(1);
}

// A volunteer's wallet: signs its next claim when it is time and posts it, retrying
// the same entry while the node is busy or unreachable (as the real wallet does).
struct Wallet {
  crypto::SecretKey key = crypto::SecretKey::Generate();
  std::uint64_t seq = 0;
  std::optional<EntryId> head;
  std::atomic<std::uint64_t> acked{0};
  EntryId last_acked{};
  std::mutex last_mutex;
};

}  // namespace

int main() {
  crypto::InitCrypto();
  const double minutes = Env("LOVEBANK_SOAK_MINUTES", 30);
  const double rate = Env("LOVEBANK_SOAK_RATE", 200);
  const std::string dir =
      std::getenv("LOVEBANK_SOAK_DIR") ? std::getenv("LOVEBANK_SOAK_DIR") : "/tmp/lovebank-soak";
  constexpr int kWallets = 16;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  // The community: an admin who founds it and puts three nodes on the roster.
  crypto::SecretKey admin = crypto::SecretKey::Generate();
  Entry g;
  g.author = admin.public_key();
  g.timestamp_ms = NowMs();
  g.kind = Genesis{"Soak Street", {admin.public_key()}, Policy{{{"care", 10}}, 0, 0, 0}};
  VerifiedEntry genesis = SignEntry(g, admin);
  std::ofstream(dir + "/genesis.entry", std::ios::binary) << genesis.envelope;
  if (!crypto::WriteSecretFile(dir + "/network.key", ToHex(crypto::RandomBytes(32)) + "\n",
                               "network key")) {
    Die("cannot write the network key");
  }
  struct NodeDir {
    std::string data, key_hex;
    int port = 0;
    std::unique_ptr<testing::NodeProcess> process;
  };
  NodeDir nodes[3];
  for (int i = 0; i < 3; ++i) {
    nodes[i].data = dir + "/node" + std::to_string(i);
    auto r = testing::RunProcess({LOVEBANK_NODE_BIN, "init", "--data", nodes[i].data, "--genesis",
                                  dir + "/genesis.entry", "--network-key", dir + "/network.key"});
    if (r.exit_code != 0) Die("init failed: " + r.err);
    nodes[i].key_hex = r.out.substr(0, 64);
    nodes[i].port = testing::FreePort();
  }
  auto start_node = [&](int i) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:" + std::to_string(nodes[i].port),
                                     "--no-peer-exchange", "--log-level", "warn"};
    if (i > 0) {
      args.push_back("--peer");
      args.push_back("127.0.0.1:" + std::to_string(nodes[0].port));
    }
    nodes[i].process = std::make_unique<testing::NodeProcess>(LOVEBANK_NODE_BIN, nodes[i].data, args);
    if (!nodes[i].process->WaitReady()) Die("node did not start: " + nodes[i].process->Log());
  };
  start_node(0);
  auto main_client = *wallet::NodeClient::Create(nodes[0].process->url());
  std::vector<std::unique_ptr<Wallet>> wallets;
  for (int w = 0; w < kWallets; ++w) wallets.push_back(std::make_unique<Wallet>());
  // The roster, then the volunteers' enrolments (only members earn).
  std::uint64_t setup_entries = 0;
  {
    std::vector<EntryKind> acts;
    for (int i = 0; i < 3; ++i) {
      acts.push_back(NodeGrant{*PublicKey::FromView(*FromHex(nodes[i].key_hex)), "soak"});
    }
    for (int w = 0; w < kWallets; ++w) {
      acts.push_back(Enrol{wallets[w]->key.public_key(), "Volunteer " + std::to_string(w), "G",
                           "B", {}});
    }
    std::optional<EntryId> prev = genesis.id;
    for (std::size_t i = 0; i < acts.size(); ++i) {
      Entry e;
      e.author = admin.public_key();
      e.seq = i + 2;
      e.prev = prev;
      e.network = genesis.id;
      e.timestamp_ms = NowMs();
      e.kind = acts[i];
      VerifiedEntry v = SignEntry(e, admin);
      prev = v.id;
      auto r = main_client.Post("/v1/entries", json::object{{"envelope", ToHex(v.envelope)}});
      if (!r) Die("cannot post the roster and enrolments: " + r.error().message);
    }
    setup_entries = acts.size();
  }
  start_node(1);
  start_node(2);
  const pid_t pid = nodes[0].process->pid();

  std::printf("# soak: %.0f min, %.0f submissions/s from %d wallets to one node, 2 peers syncing\n",
              minutes, rate, kWallets);
  std::fflush(stdout);
  std::optional<testing::BackgroundProcess> hostile_api, hostile_p2p;
  const bool hostile = Env("LOVEBANK_SOAK_HOSTILE", 0) > 0;
  if (hostile) {
    const std::string seconds = std::to_string(static_cast<int>(minutes * 60));
    hostile_api.emplace(std::vector<std::string>{
        LOVEBANK_HOSTILE_HTTP_BIN, "all", "--target",
        "127.0.0.1:" + std::to_string(nodes[0].process->port()), "--source", "127.0.0.66",
        "--connections", "128", "--seconds", seconds});
    hostile_p2p.emplace(std::vector<std::string>{
        LOVEBANK_HOSTILE_HTTP_BIN, "silent", "--target",
        "127.0.0.1:" + std::to_string(nodes[0].port), "--source", "127.0.0.67", "--connections",
        "32", "--seconds", seconds});
    std::printf("# hostile: every mode of tests/support/hostile_http against the API from "
                "127.0.0.66, 32 silent sockets on the peer port from 127.0.0.67\n");
  }
  std::vector<std::vector<double>> latencies(kWallets);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> errors{0}, retries{0};
  std::mutex error_mutex;
  std::map<std::string, std::uint64_t> error_codes;
  const auto interval = std::chrono::duration<double>(kWallets / rate);
  const auto begin = Clock::now();
  const std::uint64_t day_ago = NowMs() - 86'400'000ull * 60;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWallets; ++w) {
    threads.emplace_back([&, w] {
      Wallet& me = *wallets[w];
      auto client = *wallet::NodeClient::Create(nodes[0].process->url());
      auto next = begin + std::chrono::duration_cast<Clock::duration>(interval * w / kWallets);
      while (!stop) {
        std::this_thread::sleep_until(next);
        next += std::chrono::duration_cast<Clock::duration>(interval);
        Entry e;
        e.author = me.key.public_key();
        e.seq = me.seq + 1;
        e.prev = me.head;
        e.network = genesis.id;
        e.timestamp_ms = NowMs();
        // One minute of service each, back to back from two months ago: never overlapping.
        e.kind = ServiceClaim{"Soak", "care", day_ago + me.seq * 60'000, 1, std::nullopt};
        VerifiedEntry v = SignEntry(e, me.key);
        json::value body = json::object{{"envelope", ToHex(v.envelope)}};
        bool acknowledged = false;
        while (!stop) {
          auto sent = Clock::now();
          auto r = client.Post("/v1/entries", body);
          if (r) {
            latencies[w].push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
            acknowledged = true;
            break;
          }
          if (r.error().http_status == 503 || r.error().code == "unreachable") {
            retries.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
          }
          errors.fetch_add(1);
          std::lock_guard lock(error_mutex);
          ++error_codes[r.error().code];
          break;
        }
        // Refused for good (counted as an error), or stopped while retrying: the chain
        // stays where it was.
        if (!acknowledged) continue;
        me.seq = e.seq;
        me.head = v.id;
        {
          std::lock_guard lock(me.last_mutex);
          me.last_acked = v.id;
        }
        me.acked.fetch_add(1);
      }
    });
  }

  auto total_acked = [&] {
    std::uint64_t n = 0;
    for (const auto& w : wallets) n += w->acked;
    return n;
  };
  // RSS samples: every 10 s; a progress line every minute.
  double rss_start = RssMiB(pid), rss_half = 0, rss_end = 0, rss_max = rss_start;
  const auto duration = std::chrono::duration<double>(minutes * 60);
  std::FILE* samples = std::fopen((dir + "/rss.tsv").c_str(), "w");
  std::fprintf(samples, "seconds\trss_mib\tacknowledged\n");
  for (int tick = 1;; ++tick) {
    std::this_thread::sleep_until(begin + std::chrono::seconds(10 * tick));
    double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
    double rss = RssMiB(pid);
    rss_max = std::max(rss_max, rss);
    std::fprintf(samples, "%.0f\t%.1f\t%llu\n", elapsed, rss,
                 static_cast<unsigned long long>(total_acked()));
    std::fflush(samples);
    if (rss_half == 0 && elapsed >= duration.count() / 2) rss_half = rss;
    if (tick % 6 == 0) {
      std::fprintf(stderr, "soak: %.0f/%.0f min, %llu acknowledged, node RSS %.1f MiB, %llu errors\n",
                   elapsed / 60, minutes, static_cast<unsigned long long>(total_acked()), rss,
                   static_cast<unsigned long long>(errors.load()));
    }
    if (elapsed >= duration.count()) {
      rss_end = rss;
      break;
    }
  }
  std::fclose(samples);
  stop = true;
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  const std::uint64_t acked = total_acked();

  // Every node must end with every acknowledged entry, and the three agree.
  const std::uint64_t expected = 1 + setup_entries + acked;
  std::uint64_t counts[3] = {0, 0, 0};
  std::string hashes[3];
  auto converge_deadline = Clock::now() + std::chrono::seconds(300);
  bool converged = false;
  while (!converged && Clock::now() < converge_deadline) {
    converged = true;
    for (int i = 0; i < 3; ++i) {
      auto client = *wallet::NodeClient::Create(nodes[i].process->url());
      auto s = client.Get("/v1/status");
      if (!s) Die("node " + std::to_string(i) + " does not answer: " + s.error().message);
      counts[i] = s->at("entries").to_number<std::uint64_t>();
      hashes[i] = std::string(s->at("state_hash").as_string());
      converged = converged && counts[i] >= expected && hashes[i] == hashes[0];
    }
    if (!converged) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::uint64_t lost = 0;
  for (int i = 0; i < 3; ++i) {
    auto client = *wallet::NodeClient::Create(nodes[i].process->url());
    for (const auto& w : wallets) {
      if (w->acked == 0) continue;
      auto r = client.Get("/v1/entries/" + ToHex(w->last_acked));
      if (!r || std::string(r->at("status").as_string()) == "pending") ++lost;
    }
  }
  hostile_api.reset();
  hostile_p2p.reset();
  for (auto& n : nodes) {
    if (n.process->Stop() != 0) Die("a node did not stop cleanly");
  }

  std::printf("soak_minutes: %.1f min\n", seconds / 60);
  std::printf("soak_submissions_per_second: %.1f entries/s\n", static_cast<double>(acked) / seconds);
  std::printf("soak_acknowledged_entries: %llu entries\n", static_cast<unsigned long long>(acked));
  std::printf("soak_entries_on_each_node: %llu / %llu / %llu entries\n",
              static_cast<unsigned long long>(counts[0]), static_cast<unsigned long long>(counts[1]),
              static_cast<unsigned long long>(counts[2]));
  std::printf("soak_peers_converged: %d bool\n", converged ? 1 : 0);
  std::printf("soak_wallet_chains_missing_an_acknowledged_entry: %llu chains\n",
              static_cast<unsigned long long>(lost));
  std::printf("soak_errors: %llu errors\n", static_cast<unsigned long long>(errors.load()));
  for (const auto& [code, n] : error_codes) {
    std::printf("soak_errors_%s: %llu errors\n", code.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("soak_retries_busy_or_unreachable: %llu retries\n",
              static_cast<unsigned long long>(retries.load()));
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto quantile = [&](double q) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(q * all.size()))];
  };
  std::printf("soak_hostile_clients: %d bool\n", hostile ? 1 : 0);
  std::printf("soak_post_latency_p50: %.1f ms\n", quantile(0.50));
  std::printf("soak_post_latency_p99: %.1f ms\n", quantile(0.99));
  std::printf("soak_rss_start: %.1f MiB\n", rss_start);
  std::printf("soak_rss_half_way: %.1f MiB\n", rss_half);
  std::printf("soak_rss_end: %.1f MiB\n", rss_end);
  std::printf("soak_rss_max: %.1f MiB\n", rss_max);
  std::printf("soak_rss_growth_second_half: %.1f %%\n",
              rss_half > 0 ? 100.0 * (rss_end - rss_half) / rss_half : 0.0);
  std::printf("soak_rss_per_entry: %.0f bytes/entry\n",
              acked > 0 ? (rss_end - rss_start) * 1048576.0 / static_cast<double>(acked) : 0.0);
  std::printf("# the RSS samples are in %s/rss.tsv\n", dir.c_str());
  return converged && lost == 0 && errors == 0 ? 0 : 1;
}
