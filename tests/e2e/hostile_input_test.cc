// The wallet and the node's command line against what a person or a lying node can
// hand them (docs/security.md cases 74-80): a node that lies, files that are not what
// they seem, planted symlinks, garbage to import, operator typos, forged vouchers and
// amounts that wrap. Each is a real process; each must end promptly with a clear error
// and its documented exit code, its memory bounded, and nothing written where it
// should not be.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/hex.h"
#include "ledger/export_file.h"
#include "ledger/voucher.h"
#include "tests/e2e/community_fixture.h"

namespace lovebank {
namespace {

constexpr int kUsage = 2;
constexpr int kBadVoucher = 14;

constexpr long kMemoryScale = testing::kSanitizerScale;

class HostileInput : public Community {
 protected:
  // The wallet with no passphrase in its environment (so --passphrase-file counts),
  // killed if it runs for 20 s.
  ProcessResult Bare(std::vector<std::string> args) {
    std::vector<std::string> argv{LOVEBANK_WALLET_BIN, "--node", Url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv, {{"LOVEBANK_PASSPHRASE", ""}}, "", 20);
  }
  std::string Fifo() {
    std::string path = dir_.Sub("fifo");
    if (!std::filesystem::exists(path)) {
      EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
    }
    return path;
  }
};

// A node that lists a member with no keys, then one whose reply has a trailer that
// never ends: the wallet says the answer is wrong and stops, with its memory bounded.
TEST_F(HostileInput, ALyingNodeCannotCrashOrSwellTheWallet) {
  Key("vol");
  {
    testing::BackgroundProcess liar({LOVEBANK_HOSTILE_HTTP_BIN, "lie-empty-keys", "--serve", "0"});
    std::string where = liar.WaitForLine("serving on ");
    ASSERT_FALSE(where.empty());
    for (std::vector<std::string> args :
         {std::vector<std::string>{"member", "list"}, {"balance", "Nobody"}}) {
      auto r = Wallet("vol", args, "http://" + where);
      EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;  // 139 was a segfault
      EXPECT_NE(r.err.find("does not understand"), std::string::npos) << r.err;
    }
  }
  testing::BackgroundProcess liar({LOVEBANK_HOSTILE_HTTP_BIN, "lie-endless-trailer", "--serve", "0"});
  std::string where = liar.WaitForLine("serving on ");
  ASSERT_FALSE(where.empty());
  auto r = RunProcess({LOVEBANK_WALLET_BIN, "--keystore", dir_.Sub("keys/vol"), "--node",
                       "http://" + where, "status"},
                      {}, "", 60);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("larger than any it should"), std::string::npos) << r.err;
  EXPECT_LT(r.max_rss_kb, 64 * 1024 * kMemoryScale) << "the wallet grew to " << r.max_rss_kb << " kB";
}

// Every file argument is checked for type and size before it is read: a device that
// never ends, a FIFO nobody writes, a folder. Each is refused at once with the reason.
TEST_F(HostileInput, FileArgumentsThatAreNotFilesAreRefusedAtOnce) {
  std::string vol = Member("vol");
  Member("station", "station");
  const std::string fifo = Fifo();
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string says;
  };
  const std::string station_keys = dir_.Sub("keys/station");
  std::vector<Case> cases = {
      {{"--keystore", station_keys, "fulfil", "/dev/zero"}, kBadVoucher, "a device"},
      {{"--keystore", station_keys, "fulfil", fifo}, kBadVoucher, "a pipe"},
      {{"--keystore", station_keys, "fulfil", dir_.path().string()}, kBadVoucher, "a folder"},
      {{"--keystore", station_keys, "--passphrase-file", "/dev/zero", "transfer", vol, "1"},
       kUsage, "a device"},
      {{"--keystore", station_keys, "--passphrase-file", fifo, "transfer", vol, "1"}, kUsage,
       "a pipe"},
      {{"certificate", "verify", "/dev/zero"}, kUsage, "a device"},
      {{"certificate", "verify", fifo}, kUsage, "a pipe"},
      {{"--keystore", fifo, "key", "show"}, 12, "a pipe"},
  };
  for (const auto& c : cases) {
    auto r = Bare(c.args);
    std::string what = c.args[c.args.size() - 2] + " " + c.args.back();
    EXPECT_FALSE(r.timed_out) << what << " hung";
    EXPECT_EQ(r.exit_code, c.exit_code) << what << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << what << ": " << r.err;
    EXPECT_LT(r.max_rss_kb, 64 * 1024 * kMemoryScale) << what;
  }
  auto init = RunProcess({LOVEBANK_NODE_BIN, "init", "--data", dir_.Sub("zero-node"), "--genesis",
                          "/dev/zero", "--network-key", dir_.Sub("community/network.key")},
                         {}, "", 20);
  EXPECT_FALSE(init.timed_out);
  EXPECT_EQ(init.exit_code, 1) << init.err;  // 134 was an abort after reading 2 GB
  EXPECT_NE(init.err.find("a device"), std::string::npos) << init.err;
  auto settings = RunProcess({LOVEBANK_NODE_BIN, "run", "--data", dir_.Sub("office"), "--config",
                              fifo},
                             {}, "", 20);
  EXPECT_FALSE(settings.timed_out);
  EXPECT_EQ(settings.exit_code, kUsage) << settings.err;
  EXPECT_NE(settings.err.find("a pipe"), std::string::npos) << settings.err;
}

// A symlink planted where the wallet writes its chain record's temp file is removed,
// not followed: the file it points at keeps its bytes.
TEST_F(HostileInput, ASymlinkPlantedAtTheChainRecordsTempIsNotFollowed) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  const std::string victim = dir_.Sub("victim.txt");
  std::ofstream(victim) << "precious";
  std::filesystem::create_symlink(victim, dir_.Sub("keys/coord.chain.tmp"));
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes", "60",
               "--volunteer", vol});
  std::ifstream in(victim);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "precious");
  EXPECT_FALSE(std::filesystem::is_symlink(dir_.Sub("keys/coord.chain.tmp")));
  EXPECT_TRUE(std::filesystem::is_regular_file(dir_.Sub("keys/coord.chain")));
  // The record it did write is the real one: the next act signs the next seq.
  std::string bob = Member("bob");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes", "60",
               "--volunteer", bob});
}

// An export of 2,000 garbage records of 60 KB each (120 MB): import reads, checks and
// refuses them a bounded chunk at a time, and counts none of them as imported.
TEST_F(HostileInput, ImportingGarbageHoldsOneChunkAndCountsNothing) {
  const std::string file = dir_.Sub("garbage.lbx");
  {
    std::ofstream out(file, std::ios::binary);
    ledger::ExportHeader header;
    header.network = *ledger::NetworkId::FromView(*FromHex(network_));
    header.community = "Test Street";
    out << ledger::EncodeExportStart(header);
    Bytes garbage(60'000, '\x5a');
    for (int i = 0; i < 2000; ++i) {
      garbage[0] = static_cast<char>(i);
      garbage[1] = static_cast<char>(i >> 8);
      out << ledger::EncodeExportRecord(garbage);
    }
    out << ledger::EncodeExportEnd(2000);
  }
  ASSERT_GT(std::filesystem::file_size(file), 100'000'000u);
  node_->Stop();
  auto r = RunProcess({LOVEBANK_NODE_BIN, "import", "--data", dir_.Sub("office"), file}, {}, "", 120);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.out.find("0 new"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2000 refused"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("imported 2000"), std::string::npos) << r.err;
  // Reading the whole file first took over 120 MB; a chunk is 8 MiB.
  EXPECT_LT(r.max_rss_kb, 80 * 1024 * kMemoryScale) << "import grew to " << r.max_rss_kb << " kB";
}

// Operator typos are refused with the reason and exit 2, never an abort or a wrapped port.
TEST_F(HostileInput, OperatorInputIsValidatedWithExit2) {
  const std::string data = dir_.Sub("office");
  node_->Stop();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases = {
      {{"run", "--data", data, "--listen", "127.0.0.1:abc"}, "port from 0 to 65535"},
      {{"run", "--data", data, "--listen", "127.0.0.1:70000"}, "port from 0 to 65535"},
      {{"run", "--data", data, "--listen", "localhost:7800"}, "not an IP address"},
      {{"run", "--data", data, "--api", "127.0.0.1:99999"}, "port from 0 to 65535"},
      {{"run", "--data", data, "--peer", "10.0.0.1:0"}, "port from 1 to 65535"},
      {{"run", "--data", data, "--no-such-flag"}, "--help"},
      {{"run"}, "--data"},
      {{"frobnicate"}, "--help"},
  };
  for (const auto& c : cases) {
    auto r = RunProcess([&] {
      std::vector<std::string> argv{LOVEBANK_NODE_BIN};
      argv.insert(argv.end(), c.args.begin(), c.args.end());
      return argv;
    }(), {}, "", 20);
    EXPECT_EQ(r.exit_code, kUsage) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args.back() << ": " << r.err;
  }
  for (std::string setting : {"api = 17700", "listen = 7800", "peers = \"10.0.0.1:7800\"",
                              "max_http_connections = \"many\""}) {
    std::ofstream(data + "/node.toml") << setting << "\n";
    auto r = RunProcess({LOVEBANK_NODE_BIN, "run", "--data", data}, {}, "", 20);
    EXPECT_EQ(r.exit_code, kUsage) << setting << ": " << r.err;
    EXPECT_NE(r.err.find(setting.substr(0, setting.find(' '))), std::string::npos) << r.err;
  }
  std::filesystem::remove(data + "/node.toml");
}

// A voucher whose signature was tampered with is "not a voucher" (14), and amounts are
// whole numbers: -1 is not 18446744073709551615 points.
TEST_F(HostileInput, ForgedVouchersAndWrappedAmountsAreRefused) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  Member("station", "station");
  std::string bob = Member("bob");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "240", "--volunteer", vol});
  Ok("station", {"catalog", "add", "--item", "Rice", "--price", "12", "--stock", "1"});
  auto redeem = Ok("vol", {"redeem", "Rice", "--no-qr"});
  auto envelopes = ledger::DecodeVoucher(Str(redeem.at("voucher")));
  ASSERT_TRUE(envelopes);
  envelopes->back().back() ^= 0x01;  // one bit of the redeem's signature
  std::string forged = ledger::EncodeVoucher(*envelopes, 1 << 20);
  auto err = Refused(kBadVoucher, "station", {"fulfil", forged});
  EXPECT_NE(err.find("not genuine"), std::string::npos) << err;
  for (std::string amount : {"-1", "2.5", "1e3", "+5", "18446744073709551615"}) {
    auto r = Wallet("vol", {"transfer", bob, amount});
    EXPECT_EQ(r.exit_code, kUsage) << amount << ": " << r.err;
    EXPECT_NE(r.err.find("whole number"), std::string::npos) << amount << ": " << r.err;
  }
  EXPECT_EQ(U64(Account("vol").at("balance")), 28u);  // 40 earned, 12 spent, nothing else
}

}  // namespace
}  // namespace lovebank
