#include "ledger/store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <thread>

#include "base/hex.h"
#include "ledger/ingest.h"
#include "ledger/internal/schema.h"
#include "tests/support/test_support.h"

namespace lovebank::ledger {
namespace {

using testing::TempDir;
using testing::TestCommunity;

constexpr std::uint64_t kDay = 1'767'225'600'000;

std::vector<VerifiedEntry> SomeEntries(TestCommunity& c) {
  std::vector<VerifiedEntry> out;
  out.push_back(c.Sign("admin", RoleGrant{c.key("coord"), Role::kCoordinator, 0}));
  out.push_back(c.Sign("admin", RoleGrant{c.key("station"), Role::kStation, 0}));
  for (auto name : {"vol1", "vol2"}) {
    out.push_back(c.Sign("admin", Enrol{c.key(name), name, "Grid 1", "B2", {}}));
  }
  ServiceRecord r{"Clinic", "medical", kDay, 120, {c.key("vol1"), c.key("vol2")}};
  std::sort(r.volunteers.begin(), r.volunteers.end());
  out.push_back(c.Sign("coord", r));
  out.push_back(c.Sign("vol1", Transfer{c.key("vol2"), 4, "tea"}));
  out.push_back(c.Sign("station", CatalogItem{"Rice", 10, 3}));
  return out;
}

TEST(Store, CreateIngestReopen) {
  TempDir dir;
  TestCommunity c;
  crypto::Digest hash;
  {
    auto store = Store::Create({dir.Sub("db")}, c.genesis());
    ASSERT_TRUE(store) << store.error().message;
    auto results = (*store)->Ingest(SomeEntries(c));
    ASSERT_TRUE(results) << results.error().message;
    for (const auto& r : *results) EXPECT_EQ(r.outcome, AddOutcome::kApplied);
    hash = (*store)->state().StateHash();
    EXPECT_EQ((*store)->state().Account(c.key("vol2"))->balance, 28u);
    EXPECT_TRUE((*store)->CheckDerivedRows());
  }
  auto reopened = Store::Open({dir.Sub("db")});
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ((*reopened)->state().StateHash(), hash);
  EXPECT_EQ((*reopened)->state().connected_count(), 8u);
  EXPECT_TRUE((*reopened)->CheckDerivedRows());
}

TEST(Store, PendingEntriesSurviveReopenAndConnectLater) {
  TempDir dir;
  TestCommunity c;
  auto first = c.Sign("vol1", Transfer{c.key("vol2"), 1, ""});
  auto second = c.Sign("vol1", Transfer{c.key("vol2"), 1, ""});
  EntryId second_id = second.id;
  {
    auto store = *Store::Create({dir.Sub("db")}, c.genesis());
    auto r = store->Ingest({second});
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[0].outcome, AddOutcome::kPending);
    auto found = store->FindEnvelope(second_id);
    ASSERT_TRUE(found);
    EXPECT_TRUE(found->has_value());
  }
  auto store = *Store::Open({dir.Sub("db")});
  EXPECT_EQ(store->state().pending_count(), 1u);
  ASSERT_TRUE(store->Ingest({first}));
  EXPECT_EQ(store->state().Status(second_id), EntryStatus::kActive);
  auto chain = store->ChainEnvelopes(c.key("vol1"), 1, 10);
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->size(), 2u);
  store.reset();
  auto again = *Store::Open({dir.Sub("db")});
  EXPECT_EQ(again->state().pending_count(), 0u);
  EXPECT_EQ(again->state().connected_count(), 3u);
}

// Memory holds decoded entries; the signed bytes of connected ones are read from disk.
// Pending entries keep theirs until they connect and are written.
TEST(Store, ConnectedEntriesKeepTheirSignedBytesOnDiskOnly) {
  TempDir dir;
  TestCommunity c;
  auto first = c.Sign("vol1", Transfer{c.key("vol2"), 1, ""});
  auto second = c.Sign("vol1", Transfer{c.key("vol2"), 1, ""});
  auto store = *Store::Create({dir.Sub("db")}, c.genesis());
  ASSERT_TRUE(store->Ingest({second}));
  EXPECT_EQ(store->state().Find(second.id)->envelope, second.envelope) << "pending: kept";
  ASSERT_TRUE(store->Ingest({first}));
  for (const auto* v : {&first, &second}) {
    EXPECT_TRUE(store->state().Find(v->id)->envelope.empty());
    auto on_disk = store->FindEnvelope(v->id);
    ASSERT_TRUE(on_disk && on_disk->has_value());
    EXPECT_EQ(**on_disk, v->envelope);
  }
  store.reset();
  auto reopened = *Store::Open({dir.Sub("db")});
  EXPECT_TRUE(reopened->state().Find(first.id)->envelope.empty());
  EXPECT_EQ(**reopened->FindEnvelope(first.id), first.envelope);
  EXPECT_TRUE(reopened->CheckDerivedRows());
}

TEST(Store, RebuildGivesTheSameStateHash) {
  TempDir dir;
  TestCommunity c;
  auto store = *Store::Create({dir.Sub("db")}, c.genesis());
  ASSERT_TRUE(store->Ingest(SomeEntries(c)));
  auto before = store->state().StateHash();
  auto rebuilt = store->Rebuild();
  ASSERT_TRUE(rebuilt) << rebuilt.error().message;
  EXPECT_EQ(*rebuilt, before);
  EXPECT_TRUE(store->CheckDerivedRows());
}

// A key's history is read from disk: every stored entry that concerns it, whoever
// signed it. A store written before the history family existed gets its rows on the
// first open, and a rebuild writes the same rows again.
TEST(Store, HistoryNamesEveryPartyAndIsBuiltForAnOlderStore) {
  TempDir dir;
  TestCommunity c;
  EntryId transfer, claim, confirm;
  auto sorted = [](std::vector<EntryId> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  std::map<std::string, std::vector<EntryId>> want;
  auto check = [&](const Store& store, const std::string& when) {
    for (const auto& [name, ids] : want) {
      auto history = store.History(c.key(name));
      ASSERT_TRUE(history) << history.error().message;
      EXPECT_EQ(*history, sorted(ids)) << name << " " << when;
    }
  };
  {
    auto store = *Store::Create({dir.Sub("db")}, c.genesis());
    auto t = c.Sign("vol1", Transfer{c.key("vol2"), 1, "thanks"});
    auto cl = c.Sign("vol3", ServiceClaim{"Shopping", "care", 1000, 30, {}});
    transfer = t.id;
    claim = cl.id;
    ASSERT_TRUE(store->Ingest({std::move(t), std::move(cl)}));
    auto co = c.Sign("coord1", ServiceConfirm{claim, "seen it"});
    confirm = co.id;
    ASSERT_TRUE(store->Ingest({std::move(co)}));
    want = {{"vol1", {transfer}}, {"vol2", {transfer}}, {"vol3", {claim, confirm}},
            {"coord1", {confirm}}, {"nobody", {}}};
    check(*store, "as written");
  }
  {
    // What a store written before the history family looks like: no rows, no marker.
    std::vector<rocksdb::ColumnFamilyDescriptor> families{{"default", {}}};
    for (auto name : internal::kFamilies) families.push_back({std::string(name), {}});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open({}, dir.Sub("db"), families, &handles, &db).ok());
    ASSERT_TRUE(db->DropColumnFamily(handles[6]).ok());
    ASSERT_TRUE(db->Delete({}, handles[5], internal::kHistoryBuiltKey).ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  {
    auto store = *Store::Open({dir.Sub("db")});
    check(*store, "built on open");
    ASSERT_TRUE(store->Rebuild());
    check(*store, "after a rebuild");
  }
  auto store = *Store::Open({dir.Sub("db")});
  check(*store, "reopened");
}

// A pending entry refused when its prev arrives and does not match takes its history
// rows with it: a peer feeding such entries leaves nothing on disk for any party.
TEST(Store, DroppedPendingEntryLeavesNoHistoryRows) {
  TempDir dir;
  TestCommunity c;
  // vol1's seq 2 names as its prev an entry of vol3's chain: refused when that arrives.
  auto other = c.Sign("vol3", Transfer{c.key("vol4"), 1, ""});
  auto stray = c.SignAt("vol1", 2, other.id, Transfer{c.key("vol5"), 1, "stray"});
  auto store = *Store::Create({dir.Sub("db")}, c.genesis());
  auto r = store->Ingest({stray});
  ASSERT_TRUE(r);
  ASSERT_EQ((*r)[0].outcome, AddOutcome::kPending);
  auto before = store->History(c.key("vol5"));
  ASSERT_TRUE(before);
  EXPECT_EQ(*before, std::vector<EntryId>{stray.id}) << "stored while pending: indexed";
  ASSERT_TRUE(store->Ingest({other}));
  ASSERT_EQ(store->state().Find(stray.id), nullptr) << "refused when its prev arrived";
  for (auto name : {"vol1", "vol5"}) {
    auto history = store->History(c.key(name));
    ASSERT_TRUE(history) << history.error().message;
    EXPECT_EQ(std::count(history->begin(), history->end(), stray.id), 0) << name;
  }
  EXPECT_EQ(*store->History(c.key("vol4")), std::vector<EntryId>{other.id});
  store.reset();
  auto reopened = *Store::Open({dir.Sub("db")});
  EXPECT_EQ(reopened->state().pending_count(), 0u);
  EXPECT_TRUE(reopened->History(c.key("vol5"))->empty());
}

// What waits on a refused entry can never connect: its descendants in the pool go
// with it, rows and all, instead of holding pool slots for good.
TEST(Store, DescendantsOfADroppedPendingEntryGoWithIt) {
  TempDir dir;
  TestCommunity c;
  auto other = c.Sign("vol3", Transfer{c.key("vol4"), 1, ""});
  auto stray = c.SignAt("vol1", 2, other.id, Transfer{c.key("vol5"), 1, "stray"});
  auto child = c.SignAt("vol1", 3, stray.id, Transfer{c.key("vol5"), 1, "child"});
  auto grandchild = c.SignAt("vol1", 4, child.id, Transfer{c.key("vol6"), 1, "grandchild"});
  auto store = *Store::Create({dir.Sub("db")}, c.genesis());
  ASSERT_TRUE(store->Ingest({grandchild, child, stray}));
  ASSERT_EQ(store->state().pending_count(), 3u);
  auto r = store->Ingest({other});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].outcome, AddOutcome::kApplied);
  EXPECT_EQ(store->state().pending_count(), 0u);
  for (const auto* e : {&stray, &child, &grandchild}) {
    EXPECT_EQ(store->state().Find(e->id), nullptr);
    auto envelope = store->FindEnvelope(e->id);
    ASSERT_TRUE(envelope);
    EXPECT_FALSE(envelope->has_value()) << "left in the pending family";
  }
  EXPECT_EQ(store->state().Summary(c.key("vol1")), ChainSummary{});
  for (auto name : {"vol1", "vol5", "vol6"}) {
    auto history = store->History(c.key(name));
    ASSERT_TRUE(history) << history.error().message;
    EXPECT_TRUE(history->empty()) << name;
  }
  // The chains can still grow honestly afterwards.
  auto honest = c.Sign("vol1", Transfer{c.key("vol5"), 1, "honest"});
  auto again = store->Ingest({honest});
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].outcome, AddOutcome::kApplied);
  store.reset();
  auto reopened = *Store::Open({dir.Sub("db")});
  EXPECT_EQ(reopened->state().pending_count(), 0u);
  EXPECT_TRUE(reopened->History(c.key("vol6"))->empty());
}

// Ids are found by the first digits people type: whole bytes or an odd digit, either
// case, connected or pending, in id order, at most the limit asked for.
TEST(Store, IdsAreFoundByTheirFirstDigits) {
  TempDir dir;
  TestCommunity c;
  std::vector<VerifiedEntry> entries;
  for (int i = 0; i < 40; ++i) {
    entries.push_back(c.Sign("vol1", Transfer{c.key("vol2"), 1, std::to_string(i)}));
  }
  // And one pending: its prev is not stored here.
  auto unseen = c.SignAt("vol3", 1, std::nullopt, Transfer{c.key("vol2"), 1, "unseen"});
  entries.push_back(c.SignAt("vol3", 2, unseen.id, Transfer{c.key("vol2"), 1, "p"}));
  auto store = *Store::Create({dir.Sub("db")}, c.genesis());
  ASSERT_TRUE(store->Ingest(entries));
  ASSERT_EQ(store->state().pending_count(), 1u);
  std::vector<EntryId> all{c.genesis().id};
  for (const auto& e : entries) all.push_back(e.id);
  std::sort(all.begin(), all.end());
  auto expect = [&](const std::string& prefix) {
    std::vector<EntryId> want;
    std::string lower = prefix;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const auto& id : all) {
      if (ToHex(id).starts_with(lower)) want.push_back(id);
    }
    return want;
  };
  const std::string pending_hex = ToHex(entries.back().id);
  for (std::string prefix : {pending_hex.substr(0, 1), pending_hex.substr(0, 2),
                             pending_hex.substr(0, 3), pending_hex.substr(0, 12), pending_hex}) {
    auto found = store->IdsStartingWith(prefix, 100);
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(*found, expect(prefix)) << prefix;
    EXPECT_NE(std::find(found->begin(), found->end(), entries.back().id), found->end()) << prefix;
  }
  // Every first digit: upper case too; all 41 entries and the genesis come back once.
  std::size_t total = 0;
  for (char digit : std::string("0123456789ABCDEF")) {
    auto found = store->IdsStartingWith(std::string(1, digit), 100);
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, expect(std::string(1, digit))) << digit;
    total += found->size();
  }
  EXPECT_EQ(total, all.size());
  auto limited = store->IdsStartingWith(ToHex(all[0]).substr(0, 1), 1);
  ASSERT_TRUE(limited);
  EXPECT_EQ(*limited, std::vector<EntryId>{all[0]});
  // A neighbour of a stored id's first 12 digits names nothing (42 random ids: none
  // shares 11 digits with another).
  std::string absent = ToHex(all[0]).substr(0, 11);
  absent += ToHex(all[0])[11] == '0' ? '1' : '0';
  ASSERT_TRUE(expect(absent).empty());
  auto none = store->IdsStartingWith(absent, 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  for (const std::string& bad :
       {std::string(), std::string("xyz"), std::string("12g4"), std::string(65, 'a')}) {
    auto r = store->IdsStartingWith(bad, 10);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(Store, EditedDerivedRowIsDetected) {
  TempDir dir;
  TestCommunity c;
  {
    auto store = *Store::Create({dir.Sub("db")}, c.genesis());
    ASSERT_TRUE(store->Ingest(SomeEntries(c)));
  }
  {
    // Someone edits vol2's balance row directly in RocksDB.
    std::vector<rocksdb::ColumnFamilyDescriptor> families{{"default", {}}};
    for (auto name : internal::kFamilies) families.push_back({std::string(name), {}});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open({}, dir.Sub("db"), families, &handles, &db).ok());
    auto key = internal::AccountRowKey(c.key("vol2"));
    std::string row;
    ASSERT_TRUE(db->Get({}, handles[4], key, &row).ok());
    row[row.size() - 10] ^= 1;
    ASSERT_TRUE(db->Put({}, handles[4], key, row).ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto store = *Store::Open({dir.Sub("db")});
  auto check = store->CheckDerivedRows();
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().code, ErrorCode::kDataLoss);
  ASSERT_TRUE(store->Rebuild());
  EXPECT_TRUE(store->CheckDerivedRows());
}

TEST(Store, CreateRefusesAnExistingStoreAndOpenAMissingOne) {
  TempDir dir;
  TestCommunity c;
  ASSERT_TRUE(Store::Create({dir.Sub("db")}, c.genesis()));
  auto again = Store::Create({dir.Sub("db")}, c.genesis());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  auto missing = Store::Open({dir.Sub("nothing")});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Store, ParallelVerificationKeepsOrderAndReasons) {
  TestCommunity c;
  std::vector<Bytes> envelopes;
  for (int i = 0; i < 300; ++i) {
    envelopes.push_back(c.Sign("vol" + std::to_string(i % 7), Transfer{c.key("x"), 1, ""}).envelope);
  }
  envelopes[17][envelopes[17].size() - 3] ^= 1;  // break one signature
  auto results = VerifyEnvelopes(envelopes, c.network(), 2);
  ASSERT_EQ(results.size(), envelopes.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i == 17) {
      ASSERT_FALSE(results[i]);
      EXPECT_EQ(results[i].error().code, RejectCode::kBadSignature);
    } else {
      ASSERT_TRUE(results[i]) << i;
      EXPECT_EQ(results[i]->envelope, envelopes[i]);  // verified on a copy: the test keeps its own
    }
  }
}

// Two communities' stores on one budget: whatever they write and read, RocksDB's
// memory (blocks, index and filter blocks, memtables) stays inside it, the memtables
// come back inside their share as soon as the writing pauses, and what was read back
// is cached there rather than beside it.
//
// Writers are not stalled for the memtables (see StoreMemory::Create), so in a burst
// they pass their share by whatever is still being flushed: on a loaded machine by
// three times or more. What a burst cannot do is make the blocks take more than the
// budget beside them, and what the manager must do is bring the memtables back once
// the burst is over: those two are asserted, the burst's peak is only reported.
TEST(Store, StoresSharingOneMemoryBudgetStayInsideIt) {
  TempDir dir;
  constexpr std::size_t kBudget = 8 << 20, kMemtables = 2 << 20;
  auto memory = StoreMemory::Create(kBudget, kMemtables);
  std::vector<std::unique_ptr<Store>> stores;
  std::vector<std::vector<EntryId>> ids(2);
  const std::size_t kEntries = 12'000 / static_cast<std::size_t>(testing::kSanitizerScale);
  std::size_t peak = 0;
  for (int community = 0; community < 2; ++community) {
    TestCommunity c(testing::TestPolicy(), static_cast<std::uint64_t>(community) + 7);
    StoreOptions options{dir.Sub("db" + std::to_string(community)), /*sync=*/false};
    options.memory = memory;
    auto store = Store::Create(options, c.genesis());
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*store)->memory(), memory);
    std::string memo(200, 'm');
    for (std::size_t done = 0; done < kEntries; done += 500) {
      std::vector<VerifiedEntry> batch;
      for (int i = 0; i < 500; ++i) {
        batch.push_back(c.Sign("vol" + std::to_string(i % 20), Transfer{c.key("vol0"), 1, memo}));
        ids[static_cast<std::size_t>(community)].push_back(batch.back().id);
      }
      ASSERT_TRUE((*store)->Ingest(std::move(batch)));
      auto u = memory->Read();
      peak = std::max(peak, u.memtables);
      // Blocks make room for the memtables' charges: the cache holds at most the
      // budget, or the memtables alone when a burst has pushed them past it.
      ASSERT_LE(u.used, std::max(kBudget, u.memtables) + kBudget / 8) << "blocks past the budget";
    }
    // The burst is over: each further write lets the manager switch out one more
    // memtable, and flushing it gives its memory back. A few seconds at most, unless
    // the manager no longer flushes.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (memory->Read().memtables > kMemtables && std::chrono::steady_clock::now() < deadline) {
      std::vector<VerifiedEntry> one;
      one.push_back(c.Sign("vol1", Transfer{c.key("vol0"), 1, "settle"}));
      ids[static_cast<std::size_t>(community)].push_back(one.back().id);
      ASSERT_TRUE((*store)->Ingest(std::move(one)));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_LE(memory->Read().memtables, kMemtables)
        << "memtables stayed past their share after the writing paused";
    stores.push_back(std::move(*store));
  }
  RecordProperty("memtable_peak_bytes", std::to_string(peak));
  // Reading every entry back fills the cache with blocks, not more.
  for (std::size_t s = 0; s < stores.size(); ++s) {
    for (std::size_t i = 0; i < ids[s].size(); i += 7) {
      auto found = stores[s]->FindEnvelope(ids[s][i]);
      ASSERT_TRUE(found && found->has_value());
    }
  }
  auto u = memory->Read();
  EXPECT_EQ(u.budget, kBudget);
  EXPECT_EQ(u.memtable_limit, kMemtables);
  EXPECT_LE(u.used, kBudget + kBudget / 8);
  EXPECT_GT(u.used, u.memtables) << "blocks read back were not charged to the budget";
}

}  // namespace
}  // namespace lovebank::ledger
