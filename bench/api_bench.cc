// Load generator for the node's HTTP API, against a real lovebank-node process.
//
// 1. API ingest: C clients (default 32), each on its own keep-alive connection,
//    post pre-signed entries of their own chain one after another; each post returns
//    only when the node has made the entry durable (group commit). Prints entries/s
//    and the p50/p99 latency of an acknowledgement, beside the 2-core raw signature
//    verify rate measured in the same run.
// 2. Wallet reads at scale: a node holding N entries (default 1,000,000, made with
//    the ledger library), and the wall time of whole `lovebank balance KEY` and
//    `lovebank history KEY` processes against it.
//
// Knobs: LOVEBANK_BENCH_API_CLIENTS, LOVEBANK_BENCH_API_ENTRIES (per client),
// LOVEBANK_BENCH_QUERY_ENTRIES (0 skips part 2), LOVEBANK_BENCH_DIR.
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/hex.h"
#include "bench/workload.h"
#include "crypto/secret_file.h"
#include "crypto/signing.h"
#include "ledger/ingest.h"
#include "ledger/store.h"
#include "tests/support/process.h"

namespace {

using namespace lovebank;
using namespace lovebank::ledger;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

std::size_t Env(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}


struct Founded {
  std::string dir;
  std::unique_ptr<testing::NodeProcess> node;
};

// Writes genesis.entry and network.key, runs `lovebank-node init`, and starts it.
Founded StartNode(const std::string& dir, const VerifiedEntry& genesis, bool init) {
  std::filesystem::create_directories(dir);
  if (init) {
    std::ofstream(dir + "/genesis.entry", std::ios::binary) << genesis.envelope;
    (void)crypto::WriteSecretFile(dir + "/network.key", ToHex(crypto::RandomBytes(32)) + "\n",
                                  "network key");
    auto r = testing::RunProcess({LOVEBANK_NODE_BIN, "init", "--data", dir + "/node", "--genesis",
                                  dir + "/genesis.entry", "--network-key", dir + "/network.key"});
    if (r.exit_code != 0) {
      std::fprintf(stderr, "init failed: %s\n", r.err.c_str());
      std::exit(1);
    }
  }
  Founded f{dir, std::make_unique<testing::NodeProcess>(LOVEBANK_NODE_BIN, dir + "/node",
                                                        std::vector<std::string>{
                                                            "--log-level", "warn"})};
  if (!f.node->WaitReady()) {
    std::fprintf(stderr, "node did not start: %s\n", f.node->Log().c_str());
    std::exit(1);
  }
  return f;
}

void ApiIngest() {
  const std::size_t clients = Env("LOVEBANK_BENCH_API_CLIENTS", 32);
  const std::size_t per_client = Env("LOVEBANK_BENCH_API_ENTRIES", 1500);
  // A community whose members claim service: each claim passes every admission
  // check and is one durable entry.
  std::vector<crypto::SecretKey> keys;
  keys.push_back(crypto::SecretKey::Generate());
  for (std::size_t i = 0; i < clients; ++i) keys.push_back(crypto::SecretKey::Generate());
  Entry g;
  g.author = keys[0].public_key();
  g.timestamp_ms = NowMs();
  g.kind = Genesis{"Bench Street", {keys[0].public_key()}, Policy{{{"care", 10}}, 0, 0, 0}};
  VerifiedEntry genesis = SignEntry(g, keys[0]);

  std::printf("# api ingest: %zu clients x %zu entries, signing...\n", clients, per_client);
  std::fflush(stdout);
  std::vector<std::vector<std::string>> bodies(clients);
  {
    std::vector<std::thread> signers;
    std::uint64_t now = NowMs();
    for (unsigned t = 0; t < 2; ++t) {
      signers.emplace_back([&, t] {
        for (std::size_t c = t; c < clients; c += 2) {
          std::optional<EntryId> prev;
          for (std::size_t s = 1; s <= per_client; ++s) {
            Entry e;
            e.author = keys[c + 1].public_key();
            e.seq = s;
            e.prev = prev;
            e.network = genesis.id;
            e.timestamp_ms = now;
            e.kind = ServiceClaim{"Visit", "care", now - s * 3'600'000, 30, std::nullopt};
            VerifiedEntry v = SignEntry(e, keys[c + 1]);
            prev = v.id;
            bodies[c].push_back("{\"envelope\":\"" + ToHex(v.envelope) + "\"}");
          }
        }
      });
    }
    for (auto& t : signers) t.join();
  }
  double verify_before = bench::RawVerifyRate(2);
  std::string dir = std::getenv("LOVEBANK_BENCH_DIR") ? std::getenv("LOVEBANK_BENCH_DIR")
                                                      : "/tmp/lovebank-api-bench";
  std::filesystem::remove_all(dir);
  Founded f = StartNode(dir, genesis, /*init=*/true);

  // The admin enrols every client before the clock starts: only members earn.
  {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"),
                    static_cast<unsigned short>(f.node->port())});
    boost::beast::flat_buffer buffer;
    std::optional<EntryId> prev = genesis.id;
    for (std::size_t c = 0; c < clients; ++c) {
      Entry e;
      e.author = keys[0].public_key();
      e.seq = c + 2;
      e.prev = prev;
      e.network = genesis.id;
      e.timestamp_ms = NowMs();
      e.kind = Enrol{keys[c + 1].public_key(), "Client " + std::to_string(c), "", "", {}};
      VerifiedEntry v = SignEntry(e, keys[0]);
      prev = v.id;
      http::request<http::string_body> req{http::verb::post, "/v1/entries", 11};
      req.set(http::field::host, "127.0.0.1");
      req.set(http::field::content_type, "application/json");
      req.body() = "{\"envelope\":\"" + ToHex(v.envelope) + "\"}";
      req.prepare_payload();
      http::write(socket, req);
      http::response<http::string_body> res;
      http::read(socket, buffer, res);
      if (res.result_int() != 201) {
        std::fprintf(stderr, "enrolment refused %u: %s\n", res.result_int(), res.body().c_str());
      }
    }
  }

  std::vector<std::vector<double>> latencies(clients);
  std::atomic<std::size_t> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (std::size_t c = 0; c < clients; ++c) {
    pool.emplace_back([&, c] {
      asio::io_context io;
      asio::ip::tcp::socket socket(io);
      socket.connect({asio::ip::make_address("127.0.0.1"),
                      static_cast<unsigned short>(f.node->port())});
      socket.set_option(asio::ip::tcp::no_delay(true));
      boost::beast::flat_buffer buffer;
      for (const auto& body : bodies[c]) {
        http::request<http::string_body> req{http::verb::post, "/v1/entries", 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
        auto sent = Clock::now();
        http::write(socket, req);
        http::response<http::string_body> res;
        http::read(socket, buffer, res);
        latencies[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent)
                                   .count());
        if (res.result_int() != 201) {
          if (failures.fetch_add(1) == 0) {
            std::fprintf(stderr, "unexpected answer %u: %s\n", res.result_int(),
                         res.body().c_str());
          }
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  double verify_after = bench::RawVerifyRate(2);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  double rate = static_cast<double>(all.size()) / seconds;
  std::printf("api_ingest_entries_per_second: %.0f entries/s\n", rate);
  std::printf("api_ingest_latency_p50: %.2f ms\n", Percentile(all, 0.50));
  std::printf("api_ingest_latency_p99: %.2f ms\n", Percentile(all, 0.99));
  std::printf("api_ingest_failures: %zu entries\n", failures.load());
  std::printf("raw_verify_2core: %.0f verifies/s\n", (verify_before + verify_after) / 2);
  std::printf("api_ingest_over_verify: %.2f ratio\n", rate / ((verify_before + verify_after) / 2));
  f.node->Stop();
  std::filesystem::remove_all(dir);
}

void WalletReads() {
  const std::size_t count = Env("LOVEBANK_BENCH_QUERY_ENTRIES", 1'000'000);
  if (count == 0) return;
  std::printf("# wallet reads: building a %zu-entry ledger...\n", count);
  std::fflush(stdout);
  bench::Workload w = bench::MakeWorkload(count, count / 400, 2);
  std::string dir = (std::getenv("LOVEBANK_BENCH_DIR") ? std::string(std::getenv(
                                                             "LOVEBANK_BENCH_DIR"))
                                                       : std::string("/tmp/lovebank-api-bench")) +
                    "-reads";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/node");
  // The busiest volunteer: the one named by the most entries.
  std::map<PublicKey, std::size_t> mentions;
  for (const auto& v : w.entries) {
    if (auto* r = std::get_if<ServiceRecord>(&v.entry.kind)) {
      for (const auto& k : r->volunteers) ++mentions[k];
    }
  }
  PublicKey busiest = std::max_element(mentions.begin(), mentions.end(), [](auto& a, auto& b) {
                        return a.second < b.second;
                      })->first;
  {
    StoreOptions options;
    options.path = dir + "/node/ledger";
    auto store = Store::Create(options, w.genesis);
    if (!store) std::abort();
    std::vector<Bytes> envelopes;
    for (auto& v : w.entries) envelopes.push_back(std::move(v.envelope));
    w.entries.clear();
    auto stats = VerifyAndIngest(**store, std::move(envelopes), 10'000, 2);
    if (!stats) std::abort();
  }
  // This machine's raw rate moves by a third within a run: the start is read beside
  // the rate measured just before it.
  std::printf("raw_verify_2core_before_start: %.0f verifies/s\n", bench::RawVerifyRate(2));
  std::fflush(stdout);
  auto open_start = Clock::now();
  Founded f = StartNode(dir, w.genesis, /*init=*/false);
  double open_s = std::chrono::duration<double>(Clock::now() - open_start).count();
  std::printf("node_open_seconds: %.1f s\n", open_s);
  // Issue 15's figures: start until /v1/status serves, and resident memory holding
  // the whole ledger (what a node has after ingesting it, caches warmed by the open).
  std::string size = count % 1'000'000 == 0 ? std::to_string(count / 1'000'000) + "m"
                                            : std::to_string(count / 1000) + "k";
  std::printf("node_start_%s_seconds: %.2f s\n", size.c_str(), open_s);
  std::printf("node_rss_at_%s: %.0f MiB\n", size.c_str(),
              static_cast<double>(testing::RssKb(f.node->pid())) / 1024);
  std::string key = ToHex(busiest);
  auto time_command = [&](const std::vector<std::string>& args) {
    std::vector<double> ms;
    for (int i = 0; i < 21; ++i) {
      std::vector<std::string> argv{LOVEBANK_WALLET_BIN, "--node", f.node->url()};
      argv.insert(argv.end(), args.begin(), args.end());
      auto start = Clock::now();
      auto r = testing::RunProcess(argv);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (r.exit_code != 0) {
        std::fprintf(stderr, "%s failed: %s\n", args[0].c_str(), r.err.c_str());
        std::exit(1);
      }
    }
    return ms;
  };
  auto balance = time_command({"balance", key});
  auto history = time_command({"history", key});
  std::printf("wallet_balance_at_%zu_p50: %.1f ms\n", count, Percentile(balance, 0.5));
  std::printf("wallet_balance_at_%zu_max: %.1f ms\n", count, Percentile(balance, 1.0));
  std::printf("wallet_history_at_%zu_p50: %.1f ms\n", count, Percentile(history, 0.5));
  std::printf("wallet_history_at_%zu_max: %.1f ms\n", count, Percentile(history, 1.0));
  f.node->Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace

int main() {
  crypto::InitCrypto();
  ApiIngest();
  WalletReads();
  return 0;
}
