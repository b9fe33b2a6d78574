// Load generator for peer-to-peer, with real lovebank-node processes over loopback TCP.
//
// 1. In-sync round: two nodes holding the same ledger (1,000 and 1,000,000 entries):
//    bytes on the wire each way per anti-entropy round, and requests per round (each
//    request is one round trip).
// 2. Catch-up: a fresh node pulls the 1,000,000-entry ledger from one peer, every
//    signature verified and state applied: entries/s beside the 2-core raw verify rate
//    of the same run.
// 3. Difference: two nodes that differ by d entries over k authors: bytes both ways
//    for the whole session ÷ the entries' own size, and the bytes per differing author
//    beyond the entries themselves.
// 4. Convergence: 16 nodes in a random graph of degree 3; 10,000 entries injected at
//    random nodes at 1,000/s: time from the last injection until every state hash
//    agrees, and bytes sent by all nodes ÷ (15 × the entries' size).
//
// Knobs: LOVEBANK_BENCH_P2P_BIG (default 1,000,000), LOVEBANK_BENCH_P2P_PARTS (e.g.
// "1,2,3,4"), LOVEBANK_BENCH_DIR.
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
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
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::size_t Env(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}
std::string BaseDir() {
  const char* d = std::getenv("LOVEBANK_BENCH_DIR");
  return (d ? std::string(d) : std::string("/tmp/lovebank-p2p-bench"));
}
double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}
std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}


// One raw HTTP/1.0 request; the body of the answer.
std::string HttpGet(int port, const std::string& target) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
  if (ec) return "";
  std::string request = "GET " + target + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  asio::write(socket, asio::buffer(request), ec);
  std::string response;
  char buffer[16384];
  for (;;) {
    std::size_t n = socket.read_some(asio::buffer(buffer), ec);
    response.append(buffer, n);
    if (ec) break;
  }
  auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

bool HttpPost(asio::io_context& io, int port, const std::string& body) {
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
  if (ec) return false;
  std::string request = "POST /v1/entries HTTP/1.0\r\nHost: localhost\r\nContent-Type: "
                        "application/json\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  asio::write(socket, asio::buffer(request), ec);
  std::string response;
  char buffer[4096];
  for (;;) {
    std::size_t n = socket.read_some(asio::buffer(buffer), ec);
    response.append(buffer, n);
    if (ec) break;
  }
  return response.rfind("HTTP/1.1 20", 0) == 0 || response.rfind("HTTP/1.0 20", 0) == 0;
}

std::uint64_t Metric(int port, const std::string& name) {
  std::string text = HttpGet(port, "/metrics");
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return 0;
  return std::strtoull(text.c_str() + at + name.size() + 2, nullptr, 10);
}

json::value Status(int port) {
  boost::system::error_code ec;
  auto v = json::parse(HttpGet(port, "/v1/status"), ec);
  return ec ? json::value() : v;
}

int FreePort() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// A node's data directory made by hand (what `lovebank-node init` does), so the
// benchmark knows the node keys before it signs the ledger that names them.
struct NodeDir {
  std::string path;
  crypto::SecretKey key = crypto::SecretKey::Generate();
  int p2p = FreePort();
};

void MakeDir(const NodeDir& d, const VerifiedEntry& genesis, const std::string& network_key) {
  std::filesystem::create_directories(d.path);
  (void)crypto::WriteSecretFile(d.path + "/node.key", ToHex(d.key.seed()) + "\n", "node key");
  (void)crypto::WriteSecretFile(d.path + "/network.key", network_key + "\n", "network key");
  (void)crypto::WriteSecretFile(d.path + "/genesis.entry", genesis.envelope, "genesis");
}

void Ingest(const std::string& path, const VerifiedEntry& genesis, std::vector<Bytes> envelopes) {
  StoreOptions options;
  options.path = path + "/ledger";
  auto store = Store::Open(options);
  if (!store) store = Store::Create(options, genesis);
  if (!store) std::abort();
  if (!envelopes.empty() && !VerifyAndIngest(**store, std::move(envelopes), 10'000, 2)) std::abort();
}

std::unique_ptr<testing::NodeProcess> Run(const NodeDir& d, const std::vector<int>& peers,
                                          std::uint32_t sync_ms = 2000) {
  std::vector<std::string> args = {"--listen", "127.0.0.1:" + std::to_string(d.p2p),
                                   "--no-peer-exchange", "--log-level", "warn",
                                   "--sync-interval-ms", std::to_string(sync_ms)};
  for (int p : peers) {
    args.push_back("--peer");
    args.push_back("127.0.0.1:" + std::to_string(p));
  }
  auto node = std::make_unique<testing::NodeProcess>(LOVEBANK_NODE_BIN, d.path, args);
  if (!node->WaitReady()) {
    std::fprintf(stderr, "node did not start: %s\n", node->Log().c_str());
    std::exit(1);
  }
  return node;
}

// The first peer of `port`'s status, once it has one in state `state`.
json::object WaitPeer(int port, const std::string& state, double limit_s) {
  auto start = Clock::now();
  while (Seconds(start) < limit_s) {
    auto s = Status(port);
    if (s.is_object()) {
      for (const auto& p : s.at("peers").as_array()) {
        if (p.at("state").as_string() == state) return p.as_object();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}

void InSync(std::size_t entries, const std::string& label) {
  std::string dir = BaseDir() + "-insync";
  std::filesystem::remove_all(dir);
  NodeDir a{dir + "/a"}, b{dir + "/b"};
  auto w = bench::MakeWorkload(entries, std::max<std::size_t>(10, entries / 400), 2,
                               {a.key.public_key(), b.key.public_key()});
  std::string nk = ToHex(crypto::RandomBytes(32));
  MakeDir(a, w.genesis, nk);
  MakeDir(b, w.genesis, nk);
  std::vector<Bytes> envelopes;
  for (auto& v : w.entries) envelopes.push_back(std::move(v.envelope));
  w.entries.clear();
  Ingest(a.path, w.genesis, envelopes);
  Ingest(b.path, w.genesis, std::move(envelopes));
  auto na = Run(a, {}, 1000);
  auto nb = Run(b, {a.p2p}, 1000);
  auto first = WaitPeer(nb->port(), "in_sync", 120);
  if (first.empty()) {
    std::printf("p2p_in_sync_%s: FAILED (never in sync)\n", label.c_str());
    return;
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto p0 = WaitPeer(nb->port(), "in_sync", 5);
  std::this_thread::sleep_for(std::chrono::seconds(6));
  auto p1 = WaitPeer(nb->port(), "in_sync", 5);
  auto d = [&](const char* f) {
    return static_cast<double>(p1.at(f).to_number<std::uint64_t>() - p0.at(f).to_number<std::uint64_t>());
  };
  double rounds = d("sync_rounds");
  std::printf("p2p_in_sync_%s_rounds_measured: %.0f rounds\n", label.c_str(), rounds);
  std::printf("p2p_in_sync_%s_bytes_sent: %.1f bytes/round\n", label.c_str(), d("bytes_sent") / rounds);
  std::printf("p2p_in_sync_%s_bytes_received: %.1f bytes/round\n", label.c_str(),
              d("bytes_received") / rounds);
  std::printf("p2p_in_sync_%s_round_trips: %.2f requests/round\n", label.c_str(),
              d("sync_requests") / rounds);
  std::fflush(stdout);
  nb.reset();
  na.reset();
  std::filesystem::remove_all(dir);
}

void CatchUp(std::size_t entries) {
  std::string dir = BaseDir() + "-catchup";
  std::filesystem::remove_all(dir);
  NodeDir a{dir + "/a"}, b{dir + "/b"};
  std::printf("# catch-up: signing and storing %zu entries at the source node...\n", entries);
  std::fflush(stdout);
  auto w = bench::MakeWorkload(entries, entries / 400, 2, {a.key.public_key(), b.key.public_key()});
  std::string nk = ToHex(crypto::RandomBytes(32));
  MakeDir(a, w.genesis, nk);
  MakeDir(b, w.genesis, nk);
  std::vector<Bytes> envelopes;
  for (auto& v : w.entries) envelopes.push_back(std::move(v.envelope));
  w.entries.clear();
  Ingest(a.path, w.genesis, std::move(envelopes));
  Ingest(b.path, w.genesis, {});
  auto na = Run(a, {});
  std::uint64_t total = Metric(na->port(), "lovebank_ledger_entries");
  double verify_before = bench::RawVerifyRate(2);
  auto start = Clock::now();
  auto nb = Run(b, {a.p2p});
  std::uint64_t have = 0;
  double last_report = 0;
  while (have < total && Seconds(start) < 1200) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    have = Metric(nb->port(), "lovebank_ledger_entries");
    if (Seconds(start) - last_report > 5) {
      last_report = Seconds(start);
      std::printf("# catch-up: %llu of %llu entries after %.0f s\n",
                  static_cast<unsigned long long>(have), static_cast<unsigned long long>(total),
                  last_report);
      std::fflush(stdout);
    }
  }
  double seconds = Seconds(start);
  double verify_after = bench::RawVerifyRate(2);
  double verify = (verify_before + verify_after) / 2;
  bool same = Status(na->port()).at("state_hash") == Status(nb->port()).at("state_hash");
  double rate = static_cast<double>(total - 1) / seconds;
  std::printf("p2p_catchup_entries: %llu entries\n", static_cast<unsigned long long>(total));
  std::printf("p2p_catchup_seconds: %.1f s\n", seconds);
  std::printf("p2p_catchup_entries_per_second: %.0f entries/s\n", rate);
  std::printf("p2p_raw_verify_2core: %.0f verifies/s\n", verify);
  std::printf("p2p_catchup_over_verify: %.2f ratio\n", rate / verify);
  std::printf("p2p_catchup_state_hash_equal: %d bool\n", same ? 1 : 0);
  std::fflush(stdout);
  nb.reset();
  na.reset();
  std::filesystem::remove_all(dir);
}

void Difference(std::size_t base, std::size_t d, std::size_t k) {
  std::string dir = BaseDir() + "-diff";
  std::filesystem::remove_all(dir);
  NodeDir a{dir + "/a"}, b{dir + "/b"};
  auto w = bench::MakeWorkload(base, 2500, 2, {a.key.public_key(), b.key.public_key()});
  std::string nk = ToHex(crypto::RandomBytes(32));
  MakeDir(a, w.genesis, nk);
  MakeDir(b, w.genesis, nk);
  std::vector<Bytes> envelopes;
  for (auto& v : w.entries) envelopes.push_back(std::move(v.envelope));
  // The difference: k new authors with d/k claims each, only at A.
  std::vector<Bytes> extra;
  std::size_t extra_bytes = 0;
  for (std::size_t a_i = 0; a_i < k; ++a_i) {
    auto key = crypto::SecretKey::Generate();
    std::optional<EntryId> prev;
    for (std::size_t s = 1; s <= d / k; ++s) {
      Entry e;
      e.author = key.public_key();
      e.seq = s;
      e.prev = prev;
      e.network = w.genesis.id;
      e.timestamp_ms = 1'767'225'600'000;
      e.kind = ServiceClaim{"Help", "care", 1'767'225'600'000 + s * 3'600'000, 60, std::nullopt};
      auto v = SignEntry(e, key);
      prev = v.id;
      extra_bytes += v.envelope.size();
      extra.push_back(v.envelope);
    }
  }
  Ingest(b.path, w.genesis, envelopes);
  for (auto& e : extra) envelopes.push_back(std::move(e));
  Ingest(a.path, w.genesis, std::move(envelopes));
  auto na = Run(a, {});
  std::uint64_t target = Metric(na->port(), "lovebank_ledger_entries");
  auto nb = Run(b, {a.p2p}, 60'000);  // one sync session, then quiet
  auto start = Clock::now();
  while (Metric(nb->port(), "lovebank_ledger_entries") < target && Seconds(start) < 300) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto p = WaitPeer(nb->port(), "in_sync", 120);
  double bytes = static_cast<double>(Metric(nb->port(), "lovebank_peer_bytes_sent_total") +
                                     Metric(nb->port(), "lovebank_peer_bytes_received_total"));
  std::string label = "d" + std::to_string(d) + "_k" + std::to_string(k);
  std::printf("p2p_diff_%s_session_bytes: %.0f bytes\n", label.c_str(), bytes);
  std::printf("p2p_diff_%s_entries_bytes: %zu bytes\n", label.c_str(), extra_bytes);
  std::printf("p2p_diff_%s_over_entries: %.3f ratio\n", label.c_str(), bytes / static_cast<double>(extra_bytes));
  std::printf("p2p_diff_%s_overhead_per_author: %.0f bytes\n", label.c_str(),
              (bytes - static_cast<double>(extra_bytes)) / static_cast<double>(k));
  std::printf("p2p_diff_%s_requests: %llu requests\n", label.c_str(),
              p.empty() ? 0ull : static_cast<unsigned long long>(p.at("sync_requests").to_number<std::uint64_t>()));
  std::fflush(stdout);
  nb.reset();
  na.reset();
  std::filesystem::remove_all(dir);
}

void Convergence(std::size_t nodes, std::size_t entries, std::size_t per_second) {
  std::string dir = BaseDir() + "-converge";
  std::filesystem::remove_all(dir);
  std::vector<NodeDir> d;
  for (std::size_t i = 0; i < nodes; ++i) d.push_back(NodeDir{dir + "/n" + std::to_string(i)});
  // A random 3-regular graph: a ring plus a random perfect matching of chords.
  std::mt19937_64 rng(2026);
  std::set<std::pair<std::size_t, std::size_t>> edges;
  for (std::size_t i = 0; i < nodes; ++i) edges.insert({std::min(i, (i + 1) % nodes), std::max(i, (i + 1) % nodes)});
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::vector<std::size_t> order(nodes);
    for (std::size_t i = 0; i < nodes; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::set<std::pair<std::size_t, std::size_t>> chords;
    bool ok = true;
    for (std::size_t i = 0; i < nodes; i += 2) {
      auto e = std::make_pair(std::min(order[i], order[i + 1]), std::max(order[i], order[i + 1]));
      if (edges.count(e)) ok = false;
      chords.insert(e);
    }
    if (ok) {
      edges.insert(chords.begin(), chords.end());
      break;
    }
  }
  // Roster, and the authors who will inject: one author per node slot.
  auto admin = crypto::SecretKey::Generate();
  Entry g;
  g.author = admin.public_key();
  g.timestamp_ms = NowMs();
  g.kind = Genesis{"Convergence Street", {admin.public_key()}, Policy{{{"care", 10}}, 0, 0, 0}};
  VerifiedEntry genesis = SignEntry(g, admin);
  std::vector<Bytes> setup;
  std::optional<EntryId> prev;
  for (std::size_t i = 0; i < nodes; ++i) {
    Entry e;
    e.author = admin.public_key();
    e.seq = i + 2;
    e.prev = i == 0 ? genesis.id : *prev;
    e.network = genesis.id;
    e.timestamp_ms = NowMs();
    e.kind = NodeGrant{d[i].key.public_key(), "node"};
    auto v = SignEntry(e, admin);
    prev = v.id;
    setup.push_back(v.envelope);
  }
  std::string nk = ToHex(crypto::RandomBytes(32));
  for (auto& n : d) {
    MakeDir(n, genesis, nk);
    Ingest(n.path, genesis, setup);
  }
  std::vector<std::unique_ptr<testing::NodeProcess>> procs;
  for (std::size_t i = 0; i < nodes; ++i) {
    std::vector<int> peers;
    for (auto [x, y] : edges) {
      if (x == i) peers.push_back(d[y].p2p);  // the smaller index dials
    }
    procs.push_back(Run(d[i], peers));
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  std::uint64_t bytes_before = 0;
  for (auto& p : procs) bytes_before += Metric(p->port(), "lovebank_peer_bytes_sent_total");
  // Entries: 200 authors, each posting only at its own node (chains stay linear).
  constexpr std::size_t kAuthors = 200;
  std::vector<crypto::SecretKey> authors;
  std::vector<std::size_t> home;
  for (std::size_t a = 0; a < kAuthors; ++a) {
    authors.push_back(crypto::SecretKey::Generate());
    home.push_back(rng() % nodes);
  }
  std::vector<std::pair<std::size_t, std::string>> posts;  // node, JSON body
  std::size_t entry_bytes = 0;
  std::vector<std::optional<EntryId>> heads(kAuthors);
  for (std::size_t i = 0; i < entries; ++i) {
    std::size_t a = i % kAuthors;
    Entry e;
    e.author = authors[a].public_key();
    e.seq = i / kAuthors + 1;
    e.prev = heads[a];
    e.network = genesis.id;
    e.timestamp_ms = NowMs();
    e.kind = ServiceClaim{"Help", "care", NowMs() - 86'400'000 + e.seq * 60'000, 1, std::nullopt};
    auto v = SignEntry(e, authors[a]);
    heads[a] = v.id;
    entry_bytes += v.envelope.size();
    posts.emplace_back(home[a], json::serialize(json::object{{"envelope", ToHex(v.envelope)}}));
  }
  // Inject at `per_second`, from 8 client threads that keep the order per author.
  constexpr std::size_t kClients = 8;
  std::atomic<std::size_t> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> clients;
  for (std::size_t c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      asio::io_context io;
      for (std::size_t i = 0; i < posts.size(); ++i) {
        if ((i % kAuthors) % kClients != c) continue;
        auto due = start + std::chrono::microseconds(i * 1'000'000 / per_second);
        std::this_thread::sleep_until(due);
        if (!HttpPost(io, procs[posts[i].first]->port(), posts[i].second)) ++failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  auto last = Clock::now();
  double inject_s = Seconds(start);
  double converge_s = -1;
  while (Seconds(last) < 60) {
    std::set<std::string> hashes;
    bool full = true;
    for (auto& p : procs) {
      auto s = Status(p->port());
      if (!s.is_object()) continue;
      hashes.insert(std::string(s.at("state_hash").as_string()));
      full = full && s.at("entries").to_number<std::uint64_t>() == entries + nodes + 1;
    }
    if (full && hashes.size() == 1) {
      converge_s = Seconds(last);
      break;
    }
  }
  std::uint64_t bytes_after = 0;
  for (auto& p : procs) bytes_after += Metric(p->port(), "lovebank_peer_bytes_sent_total");
  std::printf("p2p_converge_nodes: %zu nodes\n", nodes);
  std::printf("p2p_converge_edges: %zu links\n", edges.size());
  std::printf("p2p_converge_injected: %zu entries\n", entries);
  std::printf("p2p_converge_inject_seconds: %.1f s\n", inject_s);
  std::printf("p2p_converge_post_failures: %zu entries\n", failures.load());
  std::printf("p2p_converge_after_last_injection: %.3f s\n", converge_s);
  std::printf("p2p_converge_bytes_over_ideal: %.2f ratio\n",
              static_cast<double>(bytes_after - bytes_before) /
                  (static_cast<double>(nodes - 1) * static_cast<double>(entry_bytes)));
  std::fflush(stdout);
  procs.clear();
  std::filesystem::remove_all(dir);
}

}  // namespace

int main() {
  crypto::InitCrypto();
  std::string parts = std::getenv("LOVEBANK_BENCH_P2P_PARTS") ? std::getenv("LOVEBANK_BENCH_P2P_PARTS")
                                                              : "1,2,3,4";
  std::size_t big = Env("LOVEBANK_BENCH_P2P_BIG", 1'000'000);
  std::printf("# p2p_bench (%u cores)\n", std::thread::hardware_concurrency());
  std::fflush(stdout);
  if (parts.find('1') != std::string::npos) {
    InSync(1000, "1k");
    InSync(big, big == 1'000'000 ? "1M" : std::to_string(big));
  }
  if (parts.find('2') != std::string::npos) CatchUp(big);
  if (parts.find('3') != std::string::npos) {
    Difference(100'000, 10'000, 100);
    Difference(100'000, 1'000, 1'000);
  }
  if (parts.find('4') != std::string::npos) Convergence(16, 10'000, 1'000);
  return 0;
}
