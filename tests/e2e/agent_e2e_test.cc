// The signing agent (wallet-cli/agent.h) with the real wallet and a real node: one
// passphrase for a burst of entries, an end when its time is up, and nothing trusted
// that merely sits at the agent's path.
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/hex.h"
#include "crypto/signing.h"
#include "tests/e2e/community_fixture.h"
#include "wallet-cli/agent.h"

namespace lovebank {
namespace {

// No passphrase anywhere and no terminal: the wallet can sign only through an agent.
const std::map<std::string, std::string> kNoPassphrase{{"LOVEBANK_PASSPHRASE", ""}};

class Agent : public Community {
 protected:
  // An agent a failed test left running ends with the test, not minutes later.
  void TearDown() override {
    for (const char* who : {"coord", "vol"}) wallet::StopAgent(AgentAt(who));
  }
  std::string AgentAt(const std::string& who) { return dir_.Sub("keys/" + who) + ".agent"; }

  // Each record on a day of its own in January 2026, so that none overlaps another.
  ProcessResult Record(const std::string& who, const std::string& volunteer, bool passphrase,
                       int minutes = 30) {
    std::vector<std::string> args{"--json",
                                  "service",
                                  "record",
                                  "--activity",
                                  "Tea",
                                  "--category",
                                  "care",
                                  "--minutes",
                                  std::to_string(minutes),
                                  "--volunteer",
                                  volunteer,
                                  "--start",
                                  fmt::format("2026-01-{:02}T10:00", ++day_)};
    return passphrase ? Wallet(who, args) : WalletWith(kNoPassphrase, who, args);
  }
  int day_ = 0;
};

TEST_F(Agent, OnePassphraseSignsABurstOfEntries) {
  std::string coord = Member("coord", "coordinator");
  Member("vol", "");
  // Without an agent, and with nobody to type the passphrase, nothing is signed.
  auto refused = Record("coord", "vol", false);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("no terminal to ask for the passphrase"), std::string::npos);

  auto started = Ok("coord", {"agent", "start", "--for", "2m"});
  EXPECT_TRUE(started.at("running").as_bool());
  EXPECT_EQ(Str(started.at("key")), coord);
  struct stat st {};
  ASSERT_EQ(::lstat(AgentAt("coord").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the agent's socket is private";

  for (int i = 0; i < 5; ++i) {
    auto r = Record("coord", "vol", false, 30 + i);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Str(Json(r).at("outcome")), "applied") << r.out;
  }
  EXPECT_EQ(U64(Account("vol").at("minutes")), 30u + 31 + 32 + 33 + 34);
  // Another key's wallet does not reach coord's agent.
  auto other = WalletWith(kNoPassphrase, "vol", {"transfer", "coord", "1"});
  EXPECT_EQ(other.exit_code, 2) << other.out << other.err;
  EXPECT_NE(other.err.find("no terminal to ask for the passphrase"), std::string::npos);

  auto status = WalletWith(kNoPassphrase, "coord", {"--json", "agent", "status"});
  ASSERT_EQ(status.exit_code, 0);
  EXPECT_TRUE(Json(status).at("running").as_bool());
  auto stopped = WalletWith(kNoPassphrase, "coord", {"--json", "agent", "stop"});
  ASSERT_EQ(stopped.exit_code, 0);
  EXPECT_TRUE(Json(stopped).at("stopped").as_bool());
  EXPECT_FALSE(std::filesystem::exists(AgentAt("coord"))) << "the socket goes with the agent";
  EXPECT_EQ(Record("coord", "vol", false).exit_code, 2) << "locked again";
  EXPECT_EQ(U64(Account("vol").at("minutes")), 160u) << "nothing was signed after the stop";
}

TEST_F(Agent, EndsWhenItsTimeIsUp) {
  Member("coord", "coordinator");
  Member("vol", "");
  // Long enough for one record even on a slow sanitizer build, short for a test.
  Ok("coord", {"agent", "start", "--for", "5s"});
  EXPECT_EQ(Record("coord", "vol", false).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  auto status = WalletWith(kNoPassphrase, "coord", {"--json", "agent", "status"});
  EXPECT_FALSE(Json(status).at("running").as_bool()) << status.out;
  EXPECT_FALSE(std::filesystem::exists(AgentAt("coord")));
  EXPECT_EQ(Record("coord", "vol", false).exit_code, 2);
  EXPECT_EQ(U64(Account("vol").at("minutes")), 30u);
}

TEST_F(Agent, DurationsOutsideTheBoundsAreUsageErrors) {
  Key("coord");
  EXPECT_NE(Refused(2, "coord", {"agent", "start", "--for", "13h"}).find("at most 12h"),
            std::string::npos);
  Refused(2, "coord", {"agent", "start", "--for", "0m"});
  Refused(2, "coord", {"agent", "start", "--for", "soon"});
  EXPECT_FALSE(std::filesystem::exists(AgentAt("coord")));
  EXPECT_EQ(wallet::ParseDuration("90s"), std::optional<std::uint64_t>(90));
  EXPECT_EQ(wallet::ParseDuration("15"), std::optional<std::uint64_t>(15 * 60));
  EXPECT_EQ(wallet::ParseDuration("2h"), std::optional<std::uint64_t>(7200));
  EXPECT_EQ(wallet::ParseDuration("-1m"), std::nullopt);
}

TEST_F(Agent, SignsOnlyEntriesOfItsOwnKey) {
  std::string coord = Member("coord", "coordinator");
  std::string vol = Member("vol", "");
  Ok("coord", {"agent", "start", "--for", "1m"});
  const std::string path = AgentAt("coord");
  auto info = wallet::AskAgent(path);
  ASSERT_TRUE(info);
  EXPECT_EQ(ToHex(info->key), coord);

  ledger::Entry e;
  e.author = *FixedFromHex<crypto::PublicKey>(coord);
  e.seq = 99;
  e.prev = ledger::EntryId{};
  e.network = *FixedFromHex<ledger::NetworkId>(network_);
  e.timestamp_ms = 1'767'225'600'000;
  e.kind = ledger::Transfer{*FixedFromHex<crypto::PublicKey>(vol), 5, "tea"};
  Bytes body = ledger::EncodeEntryBody(e);
  auto signature = wallet::AgentSign(path, body);
  ASSERT_TRUE(signature);
  EXPECT_TRUE(crypto::VerifyEntryBody(e.author, body, *signature));
  // Bytes that are not an entry (a certificate body, say), or another key's entry.
  EXPECT_FALSE(wallet::AgentSign(path, "lovebank/certificate/v1 something to sign"));
  e.author = *FixedFromHex<crypto::PublicKey>(vol);
  EXPECT_FALSE(wallet::AgentSign(path, ledger::EncodeEntryBody(e)));
  EXPECT_TRUE(wallet::StopAgent(path));
}

// A client that connects and never finishes its request: the agent drops it after a
// second, and the wallet's command waiting behind it still signs.
TEST_F(Agent, AStalledClientDoesNotHoldIt) {
  Member("coord", "coordinator");
  Member("vol", "");
  Ok("coord", {"agent", "start", "--for", "1m"});
  int stalled = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = AgentAt("coord");
  std::memcpy(addr.sun_path, path.data(), path.size());
  ASSERT_EQ(::connect(stalled, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::send(stalled, "S\0\0", 3, 0), 3);  // half a header, then silence
  auto r = Record("coord", "vol", false);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  char byte;
  EXPECT_EQ(::recv(stalled, &byte, 1, 0), 0) << "the agent closed the stalled connection";
  ::close(stalled);
  EXPECT_TRUE(wallet::StopAgent(path));
}

// What sits at the agent's path is not trusted for being there: a file is refused and
// kept, and a lying agent's signatures are checked and passed over for the passphrase.
TEST_F(Agent, AKeystoreTooDeepForASocketPathStillGetsItsAgent) {
  // KEYSTORE.agent would be longer than the 107 bytes a Unix socket's path may have.
  const std::string who = "deep/" + std::string(110, 'a') + "/coord";
  std::filesystem::create_directories(std::filesystem::path(dir_.Sub("keys/" + who)).parent_path());
  Member(who, "coordinator");
  Member("vol", "");
  const std::string keystore = dir_.Sub("keys/" + who);
  const std::string path = wallet::AgentPath(keystore);
  ASSERT_GT(keystore.size() + 6, 107u);
  EXPECT_LT(path.size(), 108u) << path;
  EXPECT_EQ(wallet::AgentPath(keystore), path) << "the same keystore, the same agent";
  EXPECT_NE(wallet::AgentPath(keystore + "2"), path) << "another keystore, another agent";
  auto started = Wallet(who, {"agent", "start", "--for", "1m"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0) << path;
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto r = Record(who, "vol", false);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(U64(Account("vol").at("minutes")), 30u);
  EXPECT_EQ(WalletWith(kNoPassphrase, who, {"agent", "stop"}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(Agent, WhatSitsAtItsPathIsNotTrusted) {
  std::string coord = Member("coord", "coordinator");
  Member("vol", "");
  const std::string path = AgentAt("coord");
  { std::ofstream(path) << "not a socket"; }
  auto refused = Wallet("coord", {"agent", "start", "--for", "1m"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("is not an agent's socket"), std::string::npos) << refused.err;
  std::ifstream kept(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "not a socket");
  EXPECT_EQ(Record("coord", "vol", true).exit_code, 0) << "the passphrase still signs";
  std::filesystem::remove(path);

  // A lying agent: claims coord's key, answers every signing with 64 random bytes.
  int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  std::atomic<int> signings{0};
  std::thread liar([&] {
    for (;;) {
      int c = ::accept(listener, nullptr, nullptr);
      if (c < 0) return;
      char head[5];
      if (::recv(c, head, 5, MSG_WAITALL) == 5) {
        std::uint32_t size = ReadBigEndian32(ByteView(head + 1, 4));
        std::string payload(size, '\0');
        if (size) ::recv(c, payload.data(), size, MSG_WAITALL);
        Bytes answer = head[0] == 'I' ? FixedFromHex<crypto::PublicKey>(coord)->ToBytes() +
                                            Bytes("\0\0\1\0\0\0\0\0", 8)
                                      : Bytes(64, '\x5a');
        if (head[0] == 'S') ++signings;
        if (head[0] == 'Q') answer.clear();
        Bytes out(1, '+');
        AppendBigEndian32(out, static_cast<std::uint32_t>(answer.size()));
        out += answer;
        ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
        ::close(c);
        if (head[0] == 'Q') return;
      } else {
        ::close(c);
      }
    }
  });
  auto without = Record("coord", "vol", false);
  EXPECT_EQ(without.exit_code, 2) << "a bad signature is never submitted: " << without.out;
  auto with = Record("coord", "vol", true);
  EXPECT_EQ(with.exit_code, 0) << with.err;
  EXPECT_GE(signings.load(), 2) << "the wallet did ask the liar, and checked its answer";
  EXPECT_EQ(U64(Account("vol").at("minutes")), 60u);
  wallet::StopAgent(path);
  liar.join();
  ::close(listener);
}

}  // namespace
}  // namespace lovebank
