// Peer-to-peer with real lovebank-node processes over real TCP on 127.0.0.1: lines
// and rings converge, a partition with a fork heals, outsiders are refused, a
// hostile peer is cut off, an orphan flood stops at the pending bound, and a node
// killed mid-sync resumes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "base/hex.h"
#include "crypto/secret_file.h"
#include "ledger/ingest.h"
#include "ledger/store.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"
#include "wallet-cli/client.h"

namespace lovebank {
namespace {

namespace json = boost::json;
using namespace ledger;
using Clock = std::chrono::steady_clock;

// A neighbourhood of nodes of one test community, each with its own data dir and
// peer port.
class Neighbourhood : public ::testing::Test {
 protected:
  struct Member {
    std::string data;
    std::string key_hex;
    int port = 0;
    std::unique_ptr<testing::NodeProcess> process;
    std::optional<wallet::NodeClient> client;
  };

  void SetUp() override {
    std::ofstream(dir_.Sub("genesis.entry"), std::ios::binary) << community_.genesis().envelope;
    network_key_hex_ = ToHex(crypto::RandomBytes(32));
    ASSERT_TRUE(crypto::WriteSecretFile(dir_.Sub("network.key"), network_key_hex_ + "\n",
                                        "network key"));
    ASSERT_TRUE(crypto::WriteSecretFile(dir_.Sub("other.key"),
                                        ToHex(crypto::RandomBytes(32)) + "\n", "network key"));
  }
  void TearDown() override {
    for (auto& m : members_) m.process.reset();
  }

  // Creates `n` more nodes; `network_key` names the key file (wrong key for outsiders).
  void Create(std::size_t n, const std::string& network_key = "network.key") {
    for (std::size_t i = 0; i < n; ++i) {
      Member m;
      m.data = dir_.Sub("node" + std::to_string(members_.size()));
      auto init = testing::RunProcess({LOVEBANK_NODE_BIN, "init", "--data", m.data, "--genesis",
                                       dir_.Sub("genesis.entry"), "--network-key",
                                       dir_.Sub(network_key)});
      ASSERT_EQ(init.exit_code, 0) << init.err;
      m.key_hex = init.out.substr(0, 64);
      m.port = testing::FreePort();
      members_.push_back(std::move(m));
    }
  }

  // Signed, in the same order for every node: the roster and the people of the tests.
  std::vector<VerifiedEntry> Setup(const std::vector<std::size_t>& rostered,
                                   std::size_t hostile_keys = 0) {
    std::vector<VerifiedEntry> out;
    for (std::size_t i : rostered) {
      out.push_back(community_.Sign(
          "admin", NodeGrant{*PublicKey::FromView(*FromHex(members_[i].key_hex)), "node"}, testing::NowMs()));
    }
    for (std::size_t h = 0; h < hostile_keys; ++h) {
      out.push_back(community_.Sign("admin", NodeGrant{HostileKey(h).public_key(), "stolen"}, testing::NowMs()));
    }
    for (int c = 0; c < 6; ++c) {
      out.push_back(community_.Sign(
          "admin", RoleGrant{community_.key("coord" + std::to_string(c)), Role::kCoordinator, 0},
          testing::NowMs()));
      out.push_back(community_.Sign(
          "admin", Enrol{community_.key("vol" + std::to_string(c)), "Vol", "G", "B", {}}, testing::NowMs()));
    }
    return out;
  }

  crypto::SecretKey HostileKey(std::size_t h) {
    Bytes seed(32, static_cast<char>(0x50 + h));
    return crypto::SecretKey::FromSeed(seed);
  }

  // Starts node i dialing `peers` (indices); returns when its API answers.
  void Start(std::size_t i, const std::vector<std::size_t>& peers,
             std::vector<std::string> extra = {}) {
    Member& m = members_[i];
    std::vector<std::string> args = {"--listen", "127.0.0.1:" + std::to_string(m.port),
                                     "--no-peer-exchange", "--sync-interval-ms", "300"};
    for (std::size_t p : peers) {
      args.push_back("--peer");
      args.push_back("127.0.0.1:" + std::to_string(members_[p].port));
    }
    for (auto& e : extra) args.push_back(e);
    m.client.reset();
    m.process = std::make_unique<testing::NodeProcess>(LOVEBANK_NODE_BIN, m.data, args);
    ASSERT_TRUE(m.process->WaitReady()) << m.process->Log();
    auto client = wallet::NodeClient::Create(m.process->url());
    ASSERT_TRUE(client);
    m.client.emplace(std::move(*client));
  }

  // A node that failed to start has no client; the test has already failed then, and
  // must not go on to dereference it.
  void Post(std::size_t i, const VerifiedEntry& v) {
    ASSERT_TRUE(members_[i].client) << "node" << i << " is not running";
    auto r = members_[i].client->Post("/v1/entries", json::object{{"envelope", ToHex(v.envelope)}});
    ASSERT_TRUE(r) << r.error().code << ": " << r.error().message;
  }
  void PostAll(std::size_t i, const std::vector<VerifiedEntry>& entries) {
    for (const auto& v : entries) Post(i, v);
  }

  // `who` (a coordinator) records `minutes` of service for a volunteer, dated in the past.
  VerifiedEntry Record(const std::string& who, const std::string& volunteer, int hours_ago) {
    return community_.Sign(who,
                           ServiceRecord{"Visit", "care", testing::NowMs() - hours_ago * 3'600'000ull, 30,
                                         {community_.key(volunteer)}},
                           testing::NowMs());
  }

  json::value Status(std::size_t i) {
    if (!members_[i].client) {
      ADD_FAILURE() << "node" << i << " is not running";
      return json::object{{"state_hash", ""}, {"entries", 0}, {"peers", json::array()}};
    }
    auto s = members_[i].client->Get("/v1/status");
    EXPECT_TRUE(s);
    return s ? *s : json::value();
  }
  std::string Hash(std::size_t i) { return std::string(Status(i).at("state_hash").as_string()); }
  std::uint64_t Entries(std::size_t i) { return Status(i).at("entries").to_number<std::uint64_t>(); }

  // Waits until every node in `nodes` holds `entries` entries and the same state hash.
  ::testing::AssertionResult Converge(const std::vector<std::size_t>& nodes, std::uint64_t entries,
                                      std::chrono::seconds limit = std::chrono::seconds(30)) {
    auto deadline = Clock::now() + limit;
    std::string last;
    while (Clock::now() < deadline) {
      std::set<std::string> hashes;
      bool counts = true;
      last.clear();
      for (std::size_t i : nodes) {
        auto status = Status(i);
        hashes.insert(std::string(status.at("state_hash").as_string()));
        auto n = status.at("entries").to_number<std::uint64_t>();
        counts = counts && n == entries;
        last += " node" + std::to_string(i) + "=" + std::to_string(n);
      }
      if (counts && hashes.size() == 1) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ::testing::AssertionFailure() << "no convergence to " << entries << " entries:" << last;
  }

  // /metrics is text, not JSON: one raw HTTP/1.0 request.
  std::string Metrics(std::size_t i) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address("127.0.0.1"),
                    static_cast<unsigned short>(members_[i].process->port())},
                   ec);
    std::string request = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(request), ec);
    std::string response;
    char buffer[8192];
    for (;;) {
      std::size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
      response.append(buffer, n);
      if (ec) break;
    }
    return response;
  }

  testing::TempDir dir_;
  testing::TestCommunity community_{testing::TestPolicy()};
  std::string network_key_hex_;
  std::vector<Member> members_;
};

TEST_F(Neighbourhood, FiveInALineConverge) {
  Create(5);
  auto setup = Setup({0, 1, 2, 3, 4});
  for (std::size_t i = 0; i < 5; ++i) {
    Start(i, i == 0 ? std::vector<std::size_t>{} : std::vector<std::size_t>{i - 1});
    PostAll(i, setup);
  }
  std::uint64_t expected = 1 + setup.size();
  // Entries made at both ends and in the middle travel the whole line.
  for (int k = 0; k < 4; ++k) {
    Post(0, Record("coord0", "vol0", 10 + k));
    Post(2, Record("coord2", "vol2", 10 + k));
    Post(4, Record("coord4", "vol4", 10 + k));
    expected += 3;
  }
  EXPECT_TRUE(Converge({0, 1, 2, 3, 4}, expected));
  // The line really is a line: the end nodes have exactly one peer each.
  EXPECT_EQ(Status(0).at("peers").as_array().size(), 1u);
  EXPECT_EQ(Status(2).at("peers").as_array().size(), 2u);
}

TEST_F(Neighbourhood, FiveInARingConverge) {
  Create(5);
  auto setup = Setup({0, 1, 2, 3, 4});
  for (std::size_t i = 0; i < 5; ++i) {
    Start(i, {(i + 1) % 5});
    PostAll(i, setup);
  }
  std::uint64_t expected = 1 + setup.size();
  for (int k = 0; k < 3; ++k) {
    for (std::size_t i = 0; i < 5; ++i) {
      Post(i, Record("coord" + std::to_string(i), "vol" + std::to_string(i), 10 + k));
      ++expected;
    }
  }
  EXPECT_TRUE(Converge({0, 1, 2, 3, 4}, expected));
  // Both of node 3's links are up (under ThreadSanitizer one may still be redialling).
  auto peers = Status(3).at("peers").as_array();
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (peers.size() < 2 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    peers = Status(3).at("peers").as_array();
  }
  ASSERT_EQ(peers.size(), 2u);
  bool some_in_sync = false;
  for (const auto& p : peers) some_in_sync = some_in_sync || p.at("state").as_string() == "in_sync";
  EXPECT_TRUE(some_in_sync);
}

TEST_F(Neighbourhood, PartitionWithAForkHeals) {
  Create(4);
  auto setup = Setup({0, 1, 2, 3});
  // Two halves: 0-1 and 2-3.
  Start(0, {});
  Start(1, {0});
  Start(2, {});
  Start(3, {2});
  for (std::size_t i = 0; i < 4; ++i) PostAll(i, setup);
  std::uint64_t base = 1 + setup.size();
  Post(0, Record("coord0", "vol0", 20));
  Post(0, Record("coord0", "vol0", 21));
  Post(2, Record("coord2", "vol2", 20));
  // coord5 signs two different entries with the same seq, one on each side.
  auto fork_entry = [&](int hours_ago, std::uint32_t minutes) {
    Entry e;
    e.author = community_.key("coord5");
    e.seq = 1;
    e.network = community_.network();
    e.timestamp_ms = testing::NowMs();
    e.kind = ServiceRecord{"Visit", "care", testing::NowMs() - hours_ago * 3'600'000ull, minutes,
                           {community_.key("vol5")}};
    return SignEntry(e, community_.secret("coord5"));
  };
  auto left = fork_entry(30, 30);
  auto right = fork_entry(40, 45);
  ASSERT_NE(left.id, right.id);
  Post(1, left);
  Post(3, right);
  ASSERT_TRUE(Converge({0, 1}, base + 3));
  ASSERT_TRUE(Converge({2, 3}, base + 2));
  EXPECT_NE(Hash(0), Hash(2));
  // Heal: node 1 restarts with a link to node 2 as well.
  members_[1].process->Stop();
  Start(1, {0, 2});
  ASSERT_TRUE(Converge({0, 1, 2, 3}, base + 5));
  for (std::size_t i = 0; i < 4; ++i) {
    auto status = Status(i);
    EXPECT_EQ(status.at("forks").to_number<int>(), 1) << "node " << i;
  }
  auto fork = members_[3].client->Get("/v1/entries/" + ToHex(left.id));
  ASSERT_TRUE(fork);
  bool flagged = false;
  for (const auto& f : fork->at("findings").as_array()) {
    flagged = flagged || f.at("code").as_string() == "fork";
  }
  EXPECT_TRUE(flagged) << json::serialize(*fork);
}

TEST_F(Neighbourhood, OutsidersAndRevokedNodesGetNothing) {
  Create(3);                  // 0: office; 1: unrostered; 2: rostered, later revoked
  Create(1, "other.key");     // 3: the wrong network key
  auto setup = Setup({0, 2});
  Start(0, {});
  PostAll(0, setup);
  Start(1, {0});
  Start(2, {0});
  Start(3, {0});
  std::uint64_t expected = 1 + setup.size();
  ASSERT_TRUE(Converge({0, 2}, expected));
  Post(0, Record("coord0", "vol0", 5));
  ++expected;
  ASSERT_TRUE(Converge({0, 2}, expected));
  EXPECT_EQ(Entries(1), 1u);  // genesis only
  EXPECT_EQ(Entries(3), 1u);
  EXPECT_TRUE(Status(1).at("peers").as_array().empty());
  EXPECT_TRUE(Status(3).at("peers").as_array().empty());
  // Revoke node 2: the office cuts it off and sends it nothing more.
  Post(0, community_.Sign("admin", NodeRevoke{*PublicKey::FromView(*FromHex(members_[2].key_hex)),
                                              "laptop stolen"},
                          testing::NowMs()));
  ++expected;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline && !Status(0).at("peers").as_array().empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(Status(0).at("peers").as_array().empty());
  std::uint64_t at_revocation = Entries(2);
  Post(0, Record("coord0", "vol0", 6));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(Entries(2), at_revocation);
  EXPECT_EQ(Entries(0), expected + 1);
  auto metrics = Metrics(0);
  EXPECT_NE(metrics.find("lovebank_peer_handshake_failures_total"), std::string::npos);
  EXPECT_EQ(metrics.find("lovebank_peer_handshake_failures_total 0\n"), std::string::npos);
  EXPECT_EQ(metrics.find("lovebank_peer_refused_total 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("reason=\"revoked\""), std::string::npos) << metrics;
  EXPECT_NE(members_[0].process->Log().find("not on the node roster"), std::string::npos);
}

TEST_F(Neighbourhood, AHostilePeerIsCutOffAndTheRestCarryOn) {
  Create(2);
  const std::vector<std::string> modes = {"prehandshake", "garbage", "oversize",
                                          "malformed",    "badsig",  "flood"};
  auto setup = Setup({0, 1}, modes.size());
  Start(0, {});
  PostAll(0, setup);
  Start(1, {0});
  std::uint64_t expected = 1 + setup.size();
  ASSERT_TRUE(Converge({0, 1}, expected));
  auto victim = Record("coord3", "vol3", 9);  // signed, never posted: the bad-signature bait
  for (std::size_t h = 0; h < modes.size(); ++h) {
    crypto::SecretKey key = HostileKey(h);
    auto r = testing::RunProcess({LOVEBANK_HOSTILE_BIN, "127.0.0.1:" + std::to_string(members_[0].port),
                                  network_key_hex_, ToHex(key.seed()), modes[h], ToHex(victim.envelope)});
    EXPECT_EQ(r.exit_code, 0) << modes[h] << ": " << r.out << r.err;
    // The honest pair keeps converging after every attack.
    Post(0, Record("coord0", "vol0", 30 + static_cast<int>(h)));
    ++expected;
    EXPECT_TRUE(Converge({0, 1}, expected)) << "after " << modes[h];
  }
  EXPECT_EQ(members_[1].client->Get("/v1/entries/" + ToHex(victim.id)).has_value(), false);
  auto metrics = Metrics(0);
  for (std::string reason : {"bad_frame", "oversize_frame", "malformed_message", "bad_signature",
                             "flood"}) {
    EXPECT_NE(metrics.find("reason=\"" + reason + "\""), std::string::npos) << reason << "\n" << metrics;
  }
  // A banned key is refused right after the handshake.
  auto again = testing::RunProcess({LOVEBANK_HOSTILE_BIN, "127.0.0.1:" + std::to_string(members_[0].port),
                                    network_key_hex_, ToHex(HostileKey(1).seed()), "garbage"});
  EXPECT_NE(again.exit_code, 1);
  EXPECT_NE(members_[0].process->Log().find("banned for misbehaving"), std::string::npos)
      << members_[0].process->Log();
}

TEST_F(Neighbourhood, ANodeKilledMidSyncResumesWithNothingLostOrDoubled) {
  Create(2);
  auto setup = Setup({0, 1});
  // Node 0 gets a big ledger straight into its store before it starts.
  std::vector<Bytes> bulk;
  for (const auto& v : setup) bulk.push_back(v.envelope);
  for (int a = 0; a < 120; ++a) {
    std::string who = "claimant" + std::to_string(a);
    for (int k = 0; k < 200; ++k) {
      bulk.push_back(community_.Sign(who, ServiceClaim{"Help", "care",
                                                       1'700'000'000'000ull + k * 3'600'000ull, 30,
                                                       std::nullopt},
                                     1'700'000'000'000ull)
                         .envelope);
    }
  }
  std::uint64_t expected = 1 + bulk.size();
  {
    StoreOptions options;
    options.path = members_[0].data + "/ledger";
    auto store = Store::Open(options);
    ASSERT_TRUE(store) << store.error().message;
    auto stats = VerifyAndIngest(**store, std::move(bulk), 5000, 2);
    ASSERT_TRUE(stats);
  }
  Start(0, {});
  ASSERT_EQ(Entries(0), expected);
  Start(1, {0});
  PostAll(1, setup);  // node 1 must know the roster to be admitted... it is on node 0's
  // Kill node 1 while it is part-way through.
  auto deadline = Clock::now() + std::chrono::seconds(30);
  std::uint64_t at_kill = 0;
  while (Clock::now() < deadline) {
    at_kill = Entries(1);
    if (at_kill > setup.size() + 1000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  members_[1].process.reset();  // SIGKILL
  EXPECT_GT(at_kill, setup.size() + 1000);
  EXPECT_LT(at_kill, expected) << "sync finished before the kill; make the ledger bigger";
  Start(1, {0});
  ASSERT_TRUE(Converge({0, 1}, expected, std::chrono::seconds(60)));
  EXPECT_EQ(Status(1).at("pending").to_number<int>(), 0);
  // What node 1 holds on disk rebuilds to the same state.
  std::string live = Hash(1);
  ASSERT_EQ(members_[1].process->Stop(), 0);
  auto rebuild = testing::RunProcess({LOVEBANK_NODE_BIN, "rebuild", "--data", members_[1].data});
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_EQ(rebuild.out.substr(0, 64), live);
}

// A peer on the roster that floods the node with validly signed entries whose prev
// never arrives fills the pending pool to its bound and no further; peers that stall
// in the handshake or in the middle of a frame are dropped at their timeouts.
TEST_F(Neighbourhood, OrphanFloodStopsAtThePendingBoundAndStallingPeersTimeOut) {
  Create(1);
  std::ofstream(members_[0].data + "/node.toml")
      << "max_pending_entries = 300\npeer_idle_timeout_ms = 2000\n";
  auto setup = Setup({0}, 3);
  Start(0, {});
  PostAll(0, setup);
  const std::string node = "127.0.0.1:" + std::to_string(members_[0].port);
  auto flood = testing::RunProcess({LOVEBANK_HOSTILE_BIN, node, network_key_hex_,
                                    ToHex(HostileKey(0).seed()), "orphans",
                                    "1000:" + ToHex(community_.genesis().id)});
  ASSERT_EQ(flood.exit_code, 0) << flood.out << flood.err;
  // Every orphan is either held (up to the bound) or counted as dropped.
  auto metric = [&](const std::string& name) -> std::uint64_t {
    std::string text = Metrics(0);
    auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? ~0ull : std::stoull(text.substr(at + name.size() + 2));
  };
  auto deadline = Clock::now() + std::chrono::seconds(20);
  std::uint64_t pending = 0, dropped = 0;
  while (Clock::now() < deadline) {
    pending = metric("lovebank_ledger_pending_entries");
    dropped = metric("lovebank_pending_dropped_total");
    if (pending + dropped >= 1000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(pending, 300u);
  EXPECT_EQ(dropped, 700u);
  EXPECT_EQ(Status(0).at("pending").to_number<std::uint64_t>(), 300u);
  // The honest ledger is untouched and still takes entries.
  Post(0, Record("coord0", "vol0", 5));
  EXPECT_EQ(Entries(0), 1 + setup.size() + 1);

  // Half a handshake, then silence: cut at the handshake timeout (5 s).
  auto stall = testing::RunProcess({LOVEBANK_HOSTILE_BIN, node, network_key_hex_,
                                    ToHex(HostileKey(1).seed()), "stall"});
  EXPECT_EQ(stall.exit_code, 0) << stall.out << stall.err;
  // Half a frame after the handshake, then silence: cut at the idle timeout (2 s here).
  auto truncated = testing::RunProcess({LOVEBANK_HOSTILE_BIN, node, network_key_hex_,
                                        ToHex(HostileKey(2).seed()), "truncated"});
  EXPECT_EQ(truncated.exit_code, 0) << truncated.out << truncated.err;
  EXPECT_TRUE(Status(0).at("entries").is_number());
}

// Sockets that never speak need no network key to open. They take pre-authentication
// slots (4 per source, 64 in all, the oldest evicted when full), never the peer slots:
// a rostered node connects and syncs while 32 silent sockets from one address and 64
// from sixteen others are reopened every 2 s.
TEST_F(Neighbourhood, SilentSocketsCannotKeepRosteredNodesOut) {
  Create(2);
  auto setup = Setup({0, 1});
  Start(0, {});
  PostAll(0, setup);
  const std::string target = "127.0.0.1:" + std::to_string(members_[0].port);
  std::vector<std::thread> attackers;
  std::vector<testing::ProcessResult> reports(17);
  auto attack = [&](std::size_t slot, std::string source, int sockets) {
    reports[slot] = testing::RunProcess({LOVEBANK_HOSTILE_HTTP_BIN, "silent", "--target", target,
                                         "--source", source, "--connections",
                                         std::to_string(sockets), "--seconds", "14"},
                                        {}, "", 60);
  };
  attackers.emplace_back(attack, 0, "127.0.0.66", 32);
  for (int s = 0; s < 16; ++s) {
    attackers.emplace_back(attack, 1 + s, "127.0.0.1" + std::to_string(10 + s), 4);
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the slots are full by now
  Start(1, {0});
  bool converged = Converge({0, 1}, 1 + setup.size(), std::chrono::seconds(10));
  for (auto& t : attackers) t.join();
  EXPECT_TRUE(converged) << "a rostered node could not sync while silent sockets were open\n"
                         << members_[1].process->Log();
  // The attack did run, and one source was held to its share at once.
  EXPECT_GT(std::atol(reports[0].out.c_str() + reports[0].out.find("opened: ") + 8), 32)
      << reports[0].out << reports[0].err;
  auto closed = reports[0].out.find("closed_at_once: ");
  ASSERT_NE(closed, std::string::npos) << reports[0].out;
  EXPECT_GT(std::atol(reports[0].out.c_str() + closed + 16), 0) << reports[0].out;
  EXPECT_TRUE(testing::Alive(members_[0].process->pid()));
}

}  // namespace
}  // namespace lovebank
