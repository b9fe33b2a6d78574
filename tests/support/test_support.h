// Shared helpers for Lovebank's tests: temporary directories, a test community that
// signs entries for named members, and a generator of random ledgers.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "ledger/entry.h"

namespace lovebank::testing {

using ledger::EntryId;
using ledger::EntryKind;
using ledger::PublicKey;
using ledger::VerifiedEntry;

// A directory under the system temp dir, removed with everything in it when the
// object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// When test entries are signed unless a test says otherwise: 2026-01-20 00:00 UTC,
// after the January 2026 service most tests describe and within 90 days of it.
inline constexpr std::uint64_t kTestClockMs = 1'768'867'200'000;

// Sanitizer builds are slower and take several times the memory: end-to-end tests that
// bound a process's memory or a reply's delay scale their bounds by this.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr long kSanitizerScale = 4;
#else
inline constexpr long kSanitizerScale = 1;
#endif

// The policy most tests use: 10 points an hour for "care", 12 for "medical",
// 6 for "cleaning"; at most 240 minutes per entry and 480 per day.
ledger::Policy TestPolicy();

// A community whose members are named ("admin", "coord", "vol1", ...). Keys derive
// from the name and a seed, so runs are repeatable. "admin" founds the community.
// Each member's chain head is tracked, so Sign() makes the next entry of a chain.
class TestCommunity {
 public:
  explicit TestCommunity(ledger::Policy policy = TestPolicy(), std::uint64_t seed = 1,
                         std::vector<std::string> extra_admins = {});

  const VerifiedEntry& genesis() const { return genesis_; }
  const ledger::NetworkId& network() const { return genesis_.id; }
  const PublicKey& key(const std::string& name);
  const crypto::SecretKey& secret(const std::string& name);

  // The next entry in `author`'s chain.
  VerifiedEntry Sign(const std::string& author, EntryKind kind, std::uint64_t timestamp_ms = 0);
  // An entry at an explicit place, for forks and broken chains. Does not move the head.
  VerifiedEntry SignAt(const std::string& author, std::uint64_t seq,
                       std::optional<EntryId> prev, EntryKind kind);
  // Gives `name` a new key (after a rotation or recovery); its chain starts afresh.
  const PublicKey& Rekey(const std::string& name);

  std::uint64_t head_seq(const std::string& name);
  std::optional<EntryId> head_id(const std::string& name);
  // Puts `name`'s chain head back, as a wallet does when a node refused what it signed.
  void Rewind(const std::string& name, std::uint64_t seq, std::optional<EntryId> head);

 private:
  struct Member {
    std::unique_ptr<crypto::SecretKey> secret;
    std::uint64_t seq = 0;
    std::optional<EntryId> head;
    int generation = 0;
  };
  Member& Get(const std::string& name);

  std::uint64_t seed_;
  std::map<std::string, Member> members_;
  VerifiedEntry genesis_;
};

// A random ledger of about `entries` entries: dozens of authors doing every kind of
// act, with overlaps, overdrafts, self-confirmations, forks, revocations, reversals,
// recoveries and rotations mixed in. Deterministic for a seed. The genesis entry is
// not in `entries`.
struct RandomLedger {
  VerifiedEntry genesis;
  std::vector<VerifiedEntry> entries;
};
RandomLedger GenerateRandomLedger(std::uint64_t seed, std::size_t entries);

// The seed for randomized tests: GoogleTest's --gtest_random_seed when given; the one
// GoogleTest makes up from the clock with LOVEBANK_RANDOM_SEEDS=1; else a fixed one
// (docs/testing.md, "Seeds").
// Tests print it on failure, so that the run can be replayed.
std::uint64_t TestSeed();

// The wall clock in milliseconds since the epoch, as entries are dated.
std::uint64_t NowMs();

}  // namespace lovebank::testing
