// The auditor on export files: a clean export verifies, and every kind of tampering
// the issue names is caught with the exact entry and reason. Then checkpoints (a
// ledger that extends one, and one whose history was rewritten) and the comparison
// with a node's stored state.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/hex.h"
#include "crypto/signing.h"
#include "ledger/audit.h"
#include "ledger/checkpoint.h"
#include "ledger/export_file.h"
#include "tests/support/test_support.h"

namespace lovebank::ledger {
namespace {

using testing::TempDir;
using testing::TestCommunity;

constexpr std::uint64_t kDay = 1'767'225'600'000;  // 2026-01-01 00:00 UTC
constexpr std::uint64_t kHour = 3'600'000;

// Export order: the genesis, then (author, seq, id).
void SortForExport(std::vector<VerifiedEntry>& entries) {
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return std::tie(a.entry.author, a.entry.seq, a.id) < std::tie(b.entry.author, b.entry.seq, b.id);
  });
}

void WriteExport(const std::string& path, const VerifiedEntry& genesis,
                 const std::vector<Bytes>& envelopes) {
  std::filesystem::remove(path);
  auto w = ExportWriter::Create(path, ExportHeader{genesis.id, "Test", 1, "test"});
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_TRUE((*w)->Add(genesis.envelope));
  for (const auto& e : envelopes) ASSERT_TRUE((*w)->Add(e));
  ASSERT_TRUE((*w)->Finish());
}

Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::string& path, const Bytes& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// A small community with a little of everything, in export order.
class AuditTest : public ::testing::Test {
 protected:
  AuditTest() {
    Add(c.Sign("admin", RoleGrant{c.key("coord"), Role::kCoordinator, 0}));
    Add(c.Sign("admin", RoleGrant{c.key("aud"), Role::kAuditor, 0}));
    Add(c.Sign("admin", RoleGrant{c.key("station"), Role::kStation, 0}));
    for (auto name : {"vol1", "vol2"}) {
      Add(c.Sign("admin", Enrol{c.key(name), name, "Grid 1", "B2", {"care"}}));
    }
    for (int day = 0; day < 3; ++day) {
      Add(c.Sign("coord", ServiceRecord{"Visit", "care", kDay + day * 24 * kHour, 120,
                                        Sorted({c.key("vol1"), c.key("vol2")})}));
    }
    Add(c.Sign("vol1", Transfer{c.key("vol2"), 5, "thanks"}));
    Add(c.Sign("vol1", Transfer{c.key("vol2"), 7, "again"}));
    Add(c.Sign("vol1", Transfer{c.key("vol2"), 3, "more"}));
    Add(c.Sign("vol2", Transfer{c.key("vol1"), 100000, "overdraft"}));  // unfunded
    SortForExport(entries);
  }

  static std::vector<PublicKey> Sorted(std::vector<PublicKey> keys) {
    std::sort(keys.begin(), keys.end());
    return keys;
  }
  void Add(VerifiedEntry v) { entries.push_back(std::move(v)); }
  std::vector<Bytes> Envelopes() const {
    std::vector<Bytes> out;
    for (const auto& e : entries) out.push_back(e.envelope);
    return out;
  }
  std::size_t IndexOf(const std::string& author, std::uint64_t seq) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].entry.author == c.key(author) && entries[i].entry.seq == seq) return i;
    }
    ADD_FAILURE() << "no entry " << author << " " << seq;
    return 0;
  }
  AuditResult Audit(const std::vector<Bytes>& envelopes) {
    WriteExport(path, c.genesis(), envelopes);
    return AuditExport(path);
  }
  static const AuditFailure* Find(const AuditResult& r, const std::string& code) {
    for (const auto& f : r.failures) {
      if (f.code == code) return &f;
    }
    return nullptr;
  }

  TestCommunity c;
  std::vector<VerifiedEntry> entries;
  TempDir dir;
  std::string path = dir.Sub("ledger.lbx");
};

TEST_F(AuditTest, CleanExportVerifiesAndRecomputesTheState) {
  AuditResult r = Audit(Envelopes());
  ASSERT_TRUE(r.sound()) << r.failures.front().message;
  EXPECT_EQ(r.entries, entries.size() + 1);
  EXPECT_EQ(r.verified, entries.size() + 1);
  LedgerState direct(c.genesis());
  for (const auto& e : entries) direct.Add(e);
  direct.Settle();
  EXPECT_EQ(r.state->StateHash(), direct.StateHash());
  AuditSummary s = Summarize(*r.state);
  EXPECT_EQ(s.entries, entries.size() + 1);
  EXPECT_EQ(s.total_minutes, 2u * 3 * 120);
  ASSERT_EQ(s.findings.count("unfunded"), 1u);
  ASSERT_EQ(s.findings["unfunded"].size(), 1u);
  EXPECT_EQ(s.findings["unfunded"][0].entry, entries[IndexOf("vol2", 1)].id);
  EXPECT_TRUE(s.forks.empty());
  EXPECT_EQ(s.attention(), 1u);
}

TEST_F(AuditTest, FlippedByteInABodyIsABadSignatureOfThatEntry) {
  auto envelopes = Envelopes();
  std::size_t i = IndexOf("vol1", 2);
  Bytes& env = envelopes[i];
  auto at = env.find("again");
  ASSERT_NE(at, Bytes::npos);
  env[at] = 'A';  // still decodes; the signature no longer matches
  AuditResult r = Audit(envelopes);
  const AuditFailure* f = Find(r, "bad_signature");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->record, i + 1);  // record 0 is the genesis
  EXPECT_EQ(f->entry, EnvelopeId(env));
  EXPECT_NE(f->message.find("seq 2"), std::string::npos) << f->message;
  // The next entry of that chain now hangs on a prev the file lacks.
  const AuditFailure* gap = Find(r, "chain_gap");
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->entry, entries[IndexOf("vol1", 3)].id);
}

TEST_F(AuditTest, ReplacedSignatureIsCaughtOnTheEntry) {
  auto envelopes = Envelopes();
  std::size_t i = IndexOf("coord", 2);
  const VerifiedEntry& other = entries[IndexOf("coord", 1)];
  // The body of one entry with the (valid) signature of another.
  auto body_of = [](const VerifiedEntry& v) { return EncodeEntryBody(v.entry); };
  auto other_sig = crypto::SignEntryBody(c.secret("coord"), body_of(other));
  envelopes[i] = EncodeEnvelope(body_of(entries[i]), other_sig);
  AuditResult r = Audit(envelopes);
  const AuditFailure* f = Find(r, "bad_signature");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->entry, entries[i].id);  // the body, and so the id, is unchanged
  EXPECT_EQ(f->record, i + 1);
}

TEST_F(AuditTest, EntryDroppedFromTheMiddleOfAChainIsAChainGap) {
  auto envelopes = Envelopes();
  std::size_t i = IndexOf("vol1", 2);
  envelopes.erase(envelopes.begin() + static_cast<std::ptrdiff_t>(i));
  AuditResult r = Audit(envelopes);
  ASSERT_EQ(r.failure_count, 1u);
  const AuditFailure& f = r.failures[0];
  EXPECT_EQ(f.code, "chain_gap");
  EXPECT_EQ(f.entry, entries[IndexOf("vol1", 3)].id);
  EXPECT_NE(f.message.find("before seq 3"), std::string::npos) << f.message;
}

TEST_F(AuditTest, ReorderedEntriesAreOutOfOrder) {
  auto envelopes = Envelopes();
  std::size_t a = IndexOf("coord", 1), b = IndexOf("coord", 3);
  std::swap(envelopes[a], envelopes[b]);
  AuditResult r = Audit(envelopes);
  const AuditFailure* f = Find(r, "out_of_order");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->entry, entries[IndexOf("coord", 2)].id);  // seq 2 after seq 3
  EXPECT_EQ(f->record, a + 2);
  // The same set of entries still gives the same state: only the file is wrong.
  LedgerState direct(c.genesis());
  for (const auto& e : entries) direct.Add(e);
  direct.Settle();
  EXPECT_EQ(r.state->StateHash(), direct.StateHash());
}

TEST_F(AuditTest, SplicedForkIsListedWithBothEntries) {
  std::size_t i = IndexOf("vol1", 2);
  VerifiedEntry fork = c.SignAt("vol1", 2, entries[IndexOf("vol1", 1)].id,
                                Transfer{c.key("vol2"), 1, "the other branch"});
  entries.push_back(fork);
  SortForExport(entries);
  AuditResult r = Audit(Envelopes());
  ASSERT_TRUE(r.sound()) << r.failures.front().message;  // signed facts, in order
  AuditSummary s = Summarize(*r.state);
  ASSERT_EQ(s.forks.size(), 1u);
  EXPECT_EQ(s.forks[0].author, c.key("vol1"));
  EXPECT_EQ(s.forks[0].seq, 2u);
  std::vector<EntryId> both{fork.id, entries[i].id == fork.id ? entries[i + 1].id : entries[i].id};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(s.forks[0].entries, both);
  EXPECT_GE(s.attention(), 2u);
}

TEST_F(AuditTest, EntryOfAnotherCommunityIsWrongNetwork) {
  TestCommunity other(testing::TestPolicy(), 2);
  VerifiedEntry foreign = other.Sign("vol1", Transfer{other.key("vol2"), 1, "elsewhere"});
  auto envelopes = Envelopes();
  envelopes.push_back(foreign.envelope);
  AuditResult r = Audit(envelopes);
  const AuditFailure* f = Find(r, "wrong_network");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->entry, foreign.id);
  EXPECT_EQ(f->record, envelopes.size());
}

TEST_F(AuditTest, TruncatedFileSaysWhereItIsCut) {
  WriteExport(path, c.genesis(), Envelopes());
  Bytes whole = ReadAll(path);
  // Cut inside the fifth entry.
  {
    Bytes cut = whole.substr(0, whole.size() / 2);
    WriteAll(path, cut);
    AuditResult r = AuditExport(path);
    const AuditFailure* f = Find(r, "truncated");
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->message.find("ends inside entry"), std::string::npos) << f->message;
  }
  // Cut exactly at the end marker: every entry is whole, but the file is not.
  {
    Bytes cut = whole.substr(0, whole.size() - 12);
    WriteAll(path, cut);
    AuditResult r = AuditExport(path);
    ASSERT_EQ(r.failure_count, 1u);
    EXPECT_EQ(r.failures[0].code, "truncated");
    EXPECT_NE(r.failures[0].message.find("no end marker"), std::string::npos);
  }
  // Cut inside its first 16 bytes: 8 to 15 bytes that start with the magic.
  for (std::size_t n = 8; n < 16; ++n) {
    WriteAll(path, whole.substr(0, n));
    AuditResult short_file = AuditExport(path);
    ASSERT_EQ(short_file.failure_count, 1u) << n;
    EXPECT_EQ(short_file.failures[0].code, "truncated") << n;
  }
  // Not an export at all.
  WriteAll(path, "hello");
  AuditResult r = AuditExport(path);
  ASSERT_EQ(r.failure_count, 1u);
  EXPECT_EQ(r.failures[0].code, "not_an_export");
  EXPECT_EQ(r.state, nullptr);
}

TEST_F(AuditTest, CheckpointIsExtendedThenBrokenByARewrite) {
  // The auditor verifies and signs.
  AuditResult first = Audit(Envelopes());
  ASSERT_TRUE(first.sound());
  auto cp = MakeCheckpoint(*first.state);
  ASSERT_TRUE(cp) << cp.error().message;
  EXPECT_EQ(cp->entry_count, entries.size() + 1);
  VerifiedEntry checkpoint = c.Sign("aud", *cp);
  entries.push_back(checkpoint);
  // Life goes on.
  Add(c.Sign("coord", ServiceRecord{"Visit", "care", kDay + 5 * 24 * kHour, 60,
                                    {c.key("vol1")}}));
  Add(c.Sign("vol1", Transfer{c.key("vol2"), 2, "later"}));
  Add(c.Sign("newbie", Transfer{c.key("vol2"), 1, "new chain"}));
  SortForExport(entries);
  AuditResult later = Audit(Envelopes());
  ASSERT_TRUE(later.sound()) << later.failures.front().message;
  auto report = CheckSinceCheckpoint(*later.state, checkpoint.id);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->consistent()) << report->problems.front();
  EXPECT_TRUE(report->auditor_authorised);
  EXPECT_EQ(report->entries_then, cp->entry_count);
  EXPECT_EQ(report->new_chains, 2u);  // the newcomer, and the auditor whose first entry it is
  EXPECT_EQ(report->new_entries_by_kind["service_record"], 1u);
  EXPECT_EQ(report->new_entries_by_kind["transfer"], 2u);
  EXPECT_EQ(report->new_entries_by_kind["audit_checkpoint"], 1u);
  EXPECT_FALSE(report->changed_accounts.empty());

  // Now someone rewrites vol1's history below the checkpoint: seq 1 says something
  // else, and the chain is re-signed on top of it.
  std::vector<VerifiedEntry> rewritten;
  std::optional<EntryId> prev;
  std::uint64_t vol1_head = 0;
  for (const auto& e : entries) {
    if (e.entry.author == c.key("vol1")) vol1_head = std::max(vol1_head, e.entry.seq);
  }
  for (std::uint64_t seq = 1; seq <= vol1_head; ++seq) {
    EntryKind kind = seq == 1 ? EntryKind(Transfer{c.key("vol2"), 1, "rewritten"})
                              : entries[IndexOf("vol1", seq)].entry.kind;
    rewritten.push_back(c.SignAt("vol1", seq, prev, kind));
    prev = rewritten.back().id;
  }
  std::erase_if(entries, [&](const VerifiedEntry& e) { return e.entry.author == c.key("vol1"); });
  for (auto& e : rewritten) entries.push_back(std::move(e));
  SortForExport(entries);
  AuditResult tampered = Audit(Envelopes());
  ASSERT_TRUE(tampered.sound());  // each entry is validly signed by its author
  auto broken = CheckSinceCheckpoint(*tampered.state, checkpoint.id);
  ASSERT_TRUE(broken);
  EXPECT_FALSE(broken->consistent());
  ASSERT_EQ(broken->broken_chains.size(), 1u);
  EXPECT_EQ(broken->broken_chains[0], c.key("vol1"));
  EXPECT_NE(broken->problems.front().find("no longer an extension"), std::string::npos);
}

TEST_F(AuditTest, CheckpointOfAnUnauthorisedAuthorIsReported) {
  AuditResult first = Audit(Envelopes());
  auto cp = MakeCheckpoint(*first.state);
  ASSERT_TRUE(cp);
  VerifiedEntry checkpoint = c.Sign("vol2", *cp);
  entries.push_back(checkpoint);
  SortForExport(entries);
  AuditResult later = Audit(Envelopes());
  auto report = CheckSinceCheckpoint(*later.state, checkpoint.id);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->auditor_authorised);
  EXPECT_FALSE(report->consistent());
}

TEST_F(AuditTest, NodeWhoseStoredBalanceWasEditedIsAMismatch) {
  AuditResult r = Audit(Envelopes());
  ASSERT_TRUE(r.sound());
  NodeView node;
  node.entries = r.state->connected_count();
  node.state_hash = ToHex(r.state->StateHash().view());
  node.stored_accounts = r.state->Accounts();
  node.stored_items = r.state->Items();
  EXPECT_TRUE(CompareWithNode(*r.state, node).empty());
  for (auto& a : node.stored_accounts) {
    if (a.id == c.key("vol1")) a.balance += 1000;
  }
  auto differences = CompareWithNode(*r.state, node);
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0].code, "node_mismatch");
  EXPECT_NE(differences[0].message.find("balance"), std::string::npos) << differences[0].message;
}

}  // namespace
}  // namespace lovebank::ledger
