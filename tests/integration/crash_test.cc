// Crash consistency under load, with real processes: node A takes wallet submissions
// from three writer threads and syncs with peer B, which takes its own from a fourth;
// A is SIGKILLed at random moments. After every kill, A restarted alone must hold
// every entry it acknowledged; its derived rows on disk (written batch by batch before
// the kill) must equal those of a full rebuild, and its state hash the rebuild's.
// At the end A and B converge on one state that holds everything either acknowledged.
//
// LOVEBANK_CRASH_KILLS sets the number of kills: 5 in the default suite, 50 from
// scripts/crash-test. The figures are printed as `name: value unit` lines.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "base/hex.h"
#include "crypto/secret_file.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"
#include "wallet-cli/client.h"

namespace lovebank {
namespace {

namespace json = boost::json;
using namespace ledger;
using Clock = std::chrono::steady_clock;

int Kills() {
  const char* env = std::getenv("LOVEBANK_CRASH_KILLS");
  int kills = env ? std::atoi(env) : 5;
  return kills > 0 ? kills : 5;
}

// One writer: a chain of pre-signed entries posted in order to whichever node it
// targets, each retried until that node answers. An entry counts as acknowledged only
// when the node said so; the one in flight at a kill is posted again after the restart
// (it is either a duplicate or new then).
struct Writer {
  std::vector<VerifiedEntry> entries;
  std::atomic<std::size_t> acked{0};  // entries[0, acked) are acknowledged
  std::atomic<bool> failed{false};
  std::string failure;
};

class Target {
 public:
  void Set(std::string url) {
    std::lock_guard lock(mutex_);
    url_ = std::move(url);
  }
  std::string Get() const {
    std::lock_guard lock(mutex_);
    return url_;
  }

 private:
  mutable std::mutex mutex_;
  std::string url_;  // empty while the node is down or being checked
};

// Each writer posts about 100 entries a second: a steady load, not a race to the end.
constexpr auto kPace = std::chrono::milliseconds(10);

void RunWriter(Writer& w, const Target& target, const std::atomic<bool>& stop) {
  std::string url;
  std::optional<wallet::NodeClient> client;
  while (!stop && w.acked < w.entries.size()) {
    std::string now = target.Get();
    if (now.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (now != url) {
      url = now;
      client.emplace(*wallet::NodeClient::Create(url));
    }
    const VerifiedEntry& v = w.entries[w.acked];
    auto r = client->Post("/v1/entries", json::object{{"envelope", ToHex(v.envelope)}});
    if (r) {
      w.acked.fetch_add(1);
      std::this_thread::sleep_for(kPace);
    } else if (r.error().code == "unreachable" || r.error().http_status == 503 ||
               r.error().code == "bad_response") {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // down: the same entry again
    } else {
      w.failure = r.error().code + ": " + r.error().message;
      w.failed = true;
      return;
    }
  }
}

class CrashConsistency : public ::testing::Test {
 protected:
  struct Node {
    std::string data;
    std::string key_hex;
    int port = 0;
    std::unique_ptr<testing::NodeProcess> process;
  };

  void SetUp() override {
    std::ofstream(dir_.Sub("genesis.entry"), std::ios::binary) << community_.genesis().envelope;
    ASSERT_TRUE(crypto::WriteSecretFile(dir_.Sub("network.key"),
                                        ToHex(crypto::RandomBytes(32)) + "\n", "network key"));
    for (auto* n : {&a_, &b_}) {
      n->data = dir_.Sub(n == &a_ ? "a" : "b");
      auto init = testing::RunProcess({LOVEBANK_NODE_BIN, "init", "--data", n->data, "--genesis",
                                       dir_.Sub("genesis.entry"), "--network-key",
                                       dir_.Sub("network.key")});
      ASSERT_EQ(init.exit_code, 0) << init.err;
      n->key_hex = init.out.substr(0, 64);
      n->port = testing::FreePort();
      // Entries are signed before the run starts; a 50-kill run takes minutes.
      std::ofstream(n->data + "/node.toml") << "max_clock_skew_seconds = 7200\n";
    }
  }

  // Starts `n`; alone: no peers, no listener (nothing can arrive but what the test sends).
  void Start(Node& n, bool alone) {
    std::vector<std::string> args;
    if (!alone) {
      args = {"--listen", "127.0.0.1:" + std::to_string(n.port), "--no-peer-exchange",
              "--sync-interval-ms", "300"};
      if (&n == &a_) {
        args.push_back("--peer");
        args.push_back("127.0.0.1:" + std::to_string(b_.port));
      }
    }
    n.process = std::make_unique<testing::NodeProcess>(LOVEBANK_NODE_BIN, n.data, args);
    ASSERT_TRUE(n.process->WaitReady()) << n.process->Log();
  }

  json::value Get(const Node& n, const std::string& target) {
    auto client = wallet::NodeClient::Create(n.process->url());
    auto r = client->Get(target);
    EXPECT_TRUE(r) << target << ": " << (r ? "" : r.error().message);
    return r ? *r : json::value();
  }

  // Whether every acknowledged entry of `w` is stored and connected on `n`: the last
  // one connected means its whole chain before it is there too.
  ::testing::AssertionResult HoldsAcknowledged(const Node& n, const Writer& w) {
    std::size_t acked = w.acked;
    if (acked == 0) return ::testing::AssertionSuccess();
    const VerifiedEntry& last = w.entries[acked - 1];
    auto client = wallet::NodeClient::Create(n.process->url());
    auto r = client->Get("/v1/entries/" + ToHex(last.id));
    if (!r) {
      return ::testing::AssertionFailure()
             << "acknowledged entry seq " << last.entry.seq << " is missing: " << r.error().message;
    }
    std::string status(r->at("status").as_string());
    if (status == "pending") {
      return ::testing::AssertionFailure()
             << "acknowledged entry seq " << last.entry.seq << " waits for an earlier one";
    }
    return ::testing::AssertionSuccess();
  }

  testing::TempDir dir_;
  testing::TestCommunity community_{LoadPolicy()};

  // Thousands of quarter hours of service per writer: no day cap, and a window long
  // enough for the 50-kill run's writers to date them all in the past.
  static ledger::Policy LoadPolicy() {
    ledger::Policy p = testing::TestPolicy();
    p.max_minutes_per_day = 0;
    p.service_window_days = ledger::kMaxServiceWindowDays;
    return p;
  }
  Node a_, b_;
};

TEST_F(CrashConsistency, KilledUnderLoadItLosesNothingAndEqualsARebuild) {
  const int kills = Kills();
  auto started = Clock::now();
  // The roster, three coordinators and twenty volunteers, posted to B before A exists.
  std::vector<VerifiedEntry> setup;
  for (auto* n : {&a_, &b_}) {
    setup.push_back(community_.Sign(
        "admin", NodeGrant{*PublicKey::FromView(*FromHex(n->key_hex)), "node"}, testing::NowMs()));
  }
  for (int c = 0; c < 3; ++c) {
    setup.push_back(community_.Sign(
        "admin", RoleGrant{community_.key("coord" + std::to_string(c)), Role::kCoordinator, 0},
        testing::NowMs()));
  }
  for (int v = 0; v < 20; ++v) {
    setup.push_back(community_.Sign(
        "admin", Enrol{community_.key("vol" + std::to_string(v)), "Vol", "G", "B", {}}, testing::NowMs()));
  }
  setup.push_back(community_.Sign("admin", Enrol{community_.key("claimer"), "Claimer", "G", "B", {}},
                                  testing::NowMs()));
  // Writers 0-2 (to A): coordinators recording service. Writer 3 (to B): claims.
  // Enough for ~1.5 s of load per kill and the end, at kPace: never exhausted.
  const std::size_t per_writer = 200 * static_cast<std::size_t>(kills + 3);
  std::vector<std::unique_ptr<Writer>> writers;
  // Every start in the past (a claim is judged as if confirmed, so none may overlap).
  const std::uint64_t base = testing::NowMs() - (per_writer + 10) * 20 * 60'000;
  for (int w = 0; w < 4; ++w) {
    auto writer = std::make_unique<Writer>();
    for (std::size_t k = 0; k < per_writer; ++k) {
      std::uint64_t start = base + k * 20 * 60'000;
      if (w < 3) {
        auto volunteer = community_.key("vol" + std::to_string((k * 3 + w) % 20));
        writer->entries.push_back(community_.Sign(
            "coord" + std::to_string(w), ServiceRecord{"Visit", "care", start, 15, {volunteer}},
            testing::NowMs()));
      } else {
        writer->entries.push_back(community_.Sign(
            "claimer", ServiceClaim{"Help", "care", start, 15, std::nullopt}, testing::NowMs()));
      }
    }
    writers.push_back(std::move(writer));
  }

  Start(b_, false);
  {
    auto client = wallet::NodeClient::Create(b_.process->url());
    for (const auto& v : setup) {
      ASSERT_TRUE(client->Post("/v1/entries", json::object{{"envelope", ToHex(v.envelope)}}));
    }
  }
  Start(a_, false);
  // A learns the roster and the roles from B before its wallets start: a coordinator's
  // record is refused by a node that does not yet know the grant.
  auto synced_by = Clock::now() + std::chrono::seconds(30);
  while (Get(a_, "/v1/status").at("entries").to_number<std::size_t>() < 1 + setup.size()) {
    ASSERT_LT(Clock::now(), synced_by) << "A did not sync the setup from B";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Target to_a, to_b;
  to_a.Set(a_.process->url());
  to_b.Set(b_.process->url());
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back(RunWriter, std::ref(*writers[w]), std::cref(w < 3 ? to_a : to_b),
                         std::cref(stop));
  }

  std::mt19937_64 rng(testing::TestSeed());
  std::uint64_t checked_entries = 0;
  for (int kill = 0; kill < kills; ++kill) {
    SCOPED_TRACE("kill " + std::to_string(kill + 1) + ", seed " +
                 std::to_string(testing::TestSeed()));
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1500)(rng)));
    a_.process.reset();  // SIGKILL, mid-load
    to_a.Set("");
    for (int w = 0; w < 3; ++w) {
      ASSERT_LT(writers[w]->acked, writers[w]->entries.size()) << "the load ran out before the kill";
    }
    // What A acknowledged before it died; writers to A are idle from here on.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

    // 1. Restarted alone: every acknowledged entry is there.
    Start(a_, true);
    for (int w = 0; w < 3; ++w) ASSERT_TRUE(HoldsAcknowledged(a_, *writers[w])) << "writer " << w;
    json::value before = Get(a_, "/v1/audit/state");
    checked_entries = before.at("entries").to_number<std::uint64_t>();
    ASSERT_EQ(a_.process->Stop(), 0) << a_.process->Log();
    // 2. A full rebuild from the stored entries alone gives the same state hash...
    auto rebuild = testing::RunProcess({LOVEBANK_NODE_BIN, "rebuild", "--data", a_.data});
    ASSERT_EQ(rebuild.exit_code, 0) << rebuild.err;
    EXPECT_EQ(rebuild.out.substr(0, 64), std::string(before.at("state_hash").as_string()));
    // 3. ...and the same derived rows as those written batch by batch before the kill.
    Start(a_, true);
    json::value after = Get(a_, "/v1/audit/state");
    EXPECT_EQ(json::serialize(after), json::serialize(before));
    ASSERT_EQ(a_.process->Stop(), 0);
    if (HasFailure()) break;
    // 4. Back to work with its peer.
    Start(a_, false);
    to_a.Set(a_.process->url());
  }

  // Let the load run a moment more, stop it, and wait for A and B to agree.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  for (auto& t : threads) t.join();
  std::size_t acked = 0;
  for (const auto& w : writers) {
    EXPECT_FALSE(w->failed) << w->failure;
    acked += w->acked;
  }
  const std::uint64_t expected_min = 1 + setup.size() + acked;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  json::value sa, sb;
  while (Clock::now() < deadline) {
    sa = Get(a_, "/v1/status");
    sb = Get(b_, "/v1/status");
    if (sa.at("state_hash") == sb.at("state_hash") && sa.at("entries") == sb.at("entries") &&
        sa.at("pending").to_number<int>() == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(sa.at("state_hash"), sb.at("state_hash")) << "A and B did not converge";
  EXPECT_EQ(sa.at("entries"), sb.at("entries"));
  // Every entry either node acknowledged is on both; at most one in flight per writer
  // at the last kill may be there unacknowledged.
  std::uint64_t entries = sa.at("entries").to_number<std::uint64_t>();
  EXPECT_GE(entries, expected_min);
  EXPECT_LE(entries, expected_min + writers.size());
  std::size_t lost = 0;
  for (const auto& w : writers) {
    for (const Node* n : {&a_, &b_}) lost += HoldsAcknowledged(*n, *w) ? 0 : 1;
  }
  EXPECT_EQ(lost, 0u);

  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::cout << "crash_kills: " << kills << " kills\n"
            << "crash_acknowledged_entries: " << acked << " entries\n"
            << "crash_entries_on_both_nodes: " << entries << " entries\n"
            << "crash_writers_missing_an_acknowledged_entry: " << lost << " writers\n"
            << "crash_last_checked_ledger: " << checked_entries << " entries\n"
            << "crash_run_time: " << static_cast<int>(seconds) << " s\n";
}

}  // namespace
}  // namespace lovebank
