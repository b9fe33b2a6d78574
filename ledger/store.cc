#include "ledger/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "base/hex.h"
#include "crypto/hashing.h"
#include "entry.pb.h"
#include "ledger/internal/schema.h"
#include "ledger/parties.h"

namespace lovebank::ledger {
namespace {

std::string ToHexShort(const EntryId& id) { return ToHex(id.view()).substr(0, 16); }

using internal::kFamilies;

Error FromRocks(const rocksdb::Status& s, std::string_view what) {
  std::string message = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return MakeError(ErrorCode::kNotFound, message);
  if (s.IsCorruption()) {
    return MakeError(ErrorCode::kDataLoss, message + " (the database is damaged; restore it from "
                                                     "a backup or resync from a peer)");
  }
  if (s.IsNoSpace()) {
    return MakeError(ErrorCode::kResourceExhausted, "disk full: free space, then retry (" +
                                                        message + ")");
  }
  if (s.IsIOError()) return MakeError(ErrorCode::kUnavailable, message);
  return MakeError(ErrorCode::kInternal, message);
}

// An envelope read back from our own disk: the id is recomputed from the body and
// must match the key it was stored under; the signature is checked only on request.
Result<VerifiedEntry> LoadEnvelope(ByteView envelope, const std::optional<EntryId>& expected_id,
                                   bool verify_signature) {
  auto corrupt = [&](std::string why) {
    return MakeError(ErrorCode::kDataLoss,
                     "stored entry " + (expected_id ? ToHexShort(*expected_id) : std::string("?")) +
                         " is damaged (" + why + "); run `lovebank-node rebuild` or resync");
  };
  if (verify_signature) {
    auto verified = VerifyEnvelope(envelope, std::nullopt);
    if (!verified) return corrupt(verified.error().message);
    if (expected_id && verified->id != *expected_id) return corrupt("id mismatch");
    return std::move(*verified);
  }
  v1::SignedEntry signed_entry;
  if (!signed_entry.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    return corrupt("not a SignedEntry");
  }
  auto entry = DecodeEntryBody(signed_entry.body());
  if (!entry) return corrupt(entry.error().message);
  auto id = EntryId::From(crypto::Blake2b256(signed_entry.body()));
  if (expected_id && id != *expected_id) return corrupt("id mismatch");
  return VerifiedEntry{id, std::move(*entry), Bytes(envelope)};
}

}  // namespace

struct StoreMemory::Parts {
  std::shared_ptr<rocksdb::Cache> cache;
  std::shared_ptr<rocksdb::WriteBufferManager> memtables;
};

StoreMemory::StoreMemory(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
StoreMemory::~StoreMemory() = default;

std::shared_ptr<StoreMemory> StoreMemory::Create(std::size_t budget_bytes,
                                                 std::size_t memtable_bytes) {
  auto parts = std::make_unique<Parts>();
  rocksdb::LRUCacheOptions cache;
  cache.capacity = budget_bytes;
  cache.num_shard_bits = 4;
  // Index and filter blocks go to the high-priority pool so that a scan of old entry
  // blocks (an export, a rebuild) does not push out what every lookup needs.
  cache.high_pri_pool_ratio = 0.25;
  parts->cache = rocksdb::NewLRUCache(cache);
  // The memtables are charged to the same cache (dummy entries of their size), so
  // blocks are dropped to make room for them and the sum stays inside the budget.
  // Past their share the memtables are flushed; writers are not stalled for it
  // (allow_stall): a store that no longer writes would never flush its own memtables,
  // and the others would wait on it forever.
  parts->memtables = std::make_shared<rocksdb::WriteBufferManager>(
      std::min(memtable_bytes, budget_bytes / 3 * 2), parts->cache);
  return std::shared_ptr<StoreMemory>(new StoreMemory(std::move(parts)));
}

StoreMemory::Usage StoreMemory::Read() const {
  Usage u;
  u.budget = parts_->cache->GetCapacity();
  u.used = parts_->cache->GetUsage();
  u.pinned = parts_->cache->GetPinnedUsage();
  u.memtables = parts_->memtables->memory_usage();
  u.memtable_limit = parts_->memtables->buffer_size();
  return u;
}

class Store::Impl {
 public:
  StoreOptions options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // in kFamilies order
  rocksdb::ColumnFamilyHandle* entries = nullptr;
  rocksdb::ColumnFamilyHandle* ids = nullptr;
  rocksdb::ColumnFamilyHandle* pending = nullptr;
  rocksdb::ColumnFamilyHandle* rows = nullptr;  // derived state
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* history = nullptr;

  ~Impl() {
    // Column family handles go before the database they belong to.
    for (auto* h : handles) {
      if (db) db->DestroyColumnFamilyHandle(h);
    }
    handles.clear();
    db.reset();
  }

  static Result<std::unique_ptr<Impl>> OpenDb(const StoreOptions& options, bool create) {
    const bool exists = std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT");
    if (create && exists) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "a ledger store already exists at " + options.path);
    }
    if (!create && !exists) {
      return MakeError(ErrorCode::kNotFound, "no ledger store at " + options.path +
                                                 "; create one with `lovebank-node init`");
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    if (!impl->options.memory) impl->options.memory = StoreMemory::Create();
    const StoreMemory::Parts& memory = impl->options.memory->parts();
    rocksdb::Options db_options;
    db_options.create_if_missing = create;
    // A store written before a family existed (history) gets it, empty, on open.
    db_options.create_missing_column_families = true;
    db_options.error_if_exists = create;
    db_options.IncreaseParallelism(2);
    // All memtables of every column family (and of every store sharing the budget)
    // together: without it each of the six families may hold two 64 MiB memtables.
    db_options.write_buffer_manager = memory.memtables;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    // Entries are keys, hashes and signatures: random bytes that do not compress, so
    // compressing them would only spend the CPU that signature checks need.
    rocksdb::ColumnFamilyOptions family_options;
    family_options.compression = rocksdb::kNoCompression;
    // One memtable of at most 4 MiB a family before it is flushed; the manager above
    // flushes sooner when they add up to its limit.
    family_options.write_buffer_size = 4 * 1024 * 1024;
    rocksdb::BlockBasedTableOptions table_options;
    table_options.block_cache = memory.cache;
    // Index and filter blocks live in the budget too, not beside it in each open
    // table: they grow with the ledger, and would otherwise be memory nobody bounds.
    // Those of level-0 files stay pinned (they are few and read on every lookup).
    table_options.cache_index_and_filter_blocks = true;
    table_options.cache_index_and_filter_blocks_with_high_priority = true;
    table_options.pin_l0_filter_and_index_blocks_in_cache = true;
    // No Bloom filter: with one, ThreadSanitizer stopped every node reopened after a
    // kill (WAL recovery, two RocksDB background threads under RocksDB's own mutexes)
    // with a race whose only frames are std::unordered_set<std::string> code, built
    // into our binary and called from Debian's uninstrumented RocksDB. A suppression
    // for those frames would hide races of ours too. Lookups by id are rare next to
    // the sequential reads of chains and exports.
    family_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
    families.emplace_back(rocksdb::kDefaultColumnFamilyName, family_options);
    for (auto name : kFamilies) {
      families.emplace_back(std::string(name), family_options);
      // History rows are written in every commit (one or two an entry, random keys)
      // and read only for an account's history: an unsorted vector, sorted when it is
      // flushed or read, instead of a skip list. With the skip list apply and commit
      // took about 40 % longer in ledger_bench than without the rows; with the
      // vector, 5 to 8 % (docs/storage.md).
      if (name == internal::kHistoryFamily) {
        families.back().options.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
      }
    }
    // Required by the vector memtable. Writes from several threads stay safe; only
    // their memtable inserts are no longer made in parallel, and a store has one
    // writer (the ingest thread).
    db_options.allow_concurrent_memtable_write = false;
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    auto s = rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
    if (!s.ok()) return FromRocks(s, "cannot open the ledger store at " + options.path);
    impl->db.reset(raw);
    impl->handles = std::move(handles);
    impl->entries = impl->handles[1];
    impl->ids = impl->handles[2];
    impl->pending = impl->handles[3];
    impl->rows = impl->handles[4];
    impl->meta = impl->handles[5];
    impl->history = impl->handles[6];
    return impl;
  }

  rocksdb::WriteOptions WriteOptions() const {
    rocksdb::WriteOptions w;
    w.sync = options.sync;
    return w;
  }

  // Replays every stored entry into a fresh state: chains in seq order, then the
  // pending pool.
  Result<std::unique_ptr<LedgerState>> Replay() const {
    std::string genesis_envelope;
    auto s = db->Get(rocksdb::ReadOptions(), meta, internal::kGenesisKey, &genesis_envelope);
    if (!s.ok()) return FromRocks(s, "cannot read the genesis entry");
    auto genesis = LoadEnvelope(genesis_envelope, std::nullopt, /*verify_signature=*/true);
    if (!genesis) return genesis.error();
    auto state = std::make_unique<LedgerState>(*genesis);
    for (auto* family : {entries, pending}) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::optional<EntryId> expected;
        if (family == entries) {
          auto parts = internal::ParseEntryKey(it->key().ToStringView());
          if (!parts) return MakeError(ErrorCode::kDataLoss, "a stored entry key is damaged");
          expected = parts->id;
        } else {
          expected = EntryId::FromView(it->key().ToStringView());
        }
        auto loaded = LoadEnvelope(it->value().ToStringView(), expected,
                                   options.verify_signatures_on_open);
        if (!loaded) return loaded.error();
        if (loaded->id == genesis->id) continue;
        const EntryId id = loaded->id;
        state->Add(std::move(*loaded));
        // The signed bytes stay on disk; memory keeps the decoded entry.
        if (family == entries) state->ReleaseEnvelope(id);
      }
      if (!it->status().ok()) return FromRocks(it->status(), "cannot read the stored entries");
    }
    state->Settle();
    state->TakeChanges();
    return state;
  }

  // A history row for every key `stored` concerns but its author's, when it is
  // connected: those are the `entries` family's own keys (author ‖ seq ‖ id), which
  // History() scans as well, so that most entries (a claim, a service record's
  // coordinator) cost one row less in every commit. A pending entry gets an author
  // row too; it stays when the entry connects, and History() reads each id once.
  void PutHistory(rocksdb::WriteBatch& batch, const VerifiedEntry& stored, bool connected,
                  const LedgerState& state) const {
    for (const auto& party : PartiesOf(stored, state)) {
      if (connected && party == stored.entry.author) continue;
      batch.Put(history, internal::HistoryKey(party, stored.id), rocksdb::Slice());
    }
  }

  // Takes back the rows of an entry dropped from the pending pool, so that a peer
  // feeding entries that are later refused leaves nothing behind. A party the rows
  // named through an entry no longer held (so not found here) keeps a row naming an
  // id the state does not hold; readers skip it, and a rebuild removes it.
  void DeleteHistory(rocksdb::WriteBatch& batch, const VerifiedEntry& dropped,
                     const LedgerState& state) const {
    for (const auto& party : PartiesOf(dropped, state)) {
      batch.Delete(history, internal::HistoryKey(party, dropped.id));
    }
  }

  // (Re)writes the history rows of every stored entry, a few thousand entries a batch,
  // and marks the family built in the last one.
  Status BuildHistory(const LedgerState& state) const {
    rocksdb::WriteBatch batch;
    batch.DeleteRange(history, rocksdb::Slice(), Bytes(65, '\xff'));
    std::size_t in_batch = 0;
    rocksdb::Status failed;
    state.ForEachEntry([&](const VerifiedEntry& v, bool connected) {
      if (!failed.ok()) return;
      PutHistory(batch, v, connected, state);
      if (++in_batch < 10'000) return;
      failed = db->Write(WriteOptions(), &batch);
      batch.Clear();
      in_batch = 0;
    });
    if (!failed.ok()) return FromRocks(failed, "cannot write the history index");
    batch.Put(meta, internal::kHistoryBuiltKey, rocksdb::Slice());
    auto s = db->Write(WriteOptions(), &batch);
    if (!s.ok()) return FromRocks(s, "cannot write the history index");
    return OkStatus();
  }

  void PutRows(rocksdb::WriteBatch& batch, const LedgerState& state,
               const LedgerState::Changes& changes) const {
    if (changes.everything) {
      batch.DeleteRange(state_family(), Bytes(1, '\0'), Bytes(2, '\xff'));
      for (const auto& a : state.Accounts()) {
        batch.Put(state_family(), internal::AccountRowKey(a.id), internal::EncodeAccountRow(a));
      }
      for (const auto& item : state.Items()) {
        batch.Put(state_family(), internal::ItemRowKey(item.id), internal::EncodeItemRow(item));
      }
      return;
    }
    for (const auto& root : changes.accounts) {
      auto view = state.Account(root);
      if (view && view->id == root) {
        batch.Put(state_family(), internal::AccountRowKey(root), internal::EncodeAccountRow(*view));
      } else {
        batch.Delete(state_family(), internal::AccountRowKey(root));
      }
    }
    if (changes.items.empty()) return;
    auto items = state.Items();
    for (const auto& id : changes.items) {
      auto it = std::find_if(items.begin(), items.end(), [&](const auto& i) { return i.id == id; });
      if (it != items.end()) {
        batch.Put(state_family(), internal::ItemRowKey(id), internal::EncodeItemRow(*it));
      } else {
        batch.Delete(state_family(), internal::ItemRowKey(id));
      }
    }
  }

  rocksdb::ColumnFamilyHandle* state_family() const { return rows; }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return impl_->options.path; }
const std::shared_ptr<StoreMemory>& Store::memory() const { return impl_->options.memory; }

Result<std::unique_ptr<Store>> Store::Create(const StoreOptions& options,
                                             const VerifiedEntry& genesis) {
  if (!std::holds_alternative<Genesis>(genesis.entry.kind)) {
    return MakeError(ErrorCode::kInvalidArgument, "a store is created from a genesis entry");
  }
  auto impl = Impl::OpenDb(options, /*create=*/true);
  if (!impl) return impl.error();
  rocksdb::WriteBatch batch;
  Bytes version;
  AppendBigEndian64(version, internal::kSchemaVersion);
  batch.Put((*impl)->meta, internal::kSchemaVersionKey, version);
  batch.Put((*impl)->meta, internal::kGenesisKey, genesis.envelope);
  batch.Put((*impl)->meta, internal::kHistoryBuiltKey, rocksdb::Slice());
  batch.Put((*impl)->entries,
            internal::EntryKey(genesis.entry.author, genesis.entry.seq, genesis.id),
            genesis.envelope);
  batch.Put((*impl)->ids, genesis.id.view(),
            internal::IdValue(genesis.entry.author, genesis.entry.seq));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  auto s = (*impl)->db->Write(sync, &batch);
  if (!s.ok()) return FromRocks(s, "cannot write the genesis entry");
  auto store = std::unique_ptr<Store>(new Store(std::move(*impl)));
  store->state_ = std::make_unique<LedgerState>(genesis);
  store->state_->Settle();
  auto changes = store->state_->TakeChanges();
  rocksdb::WriteBatch rows;
  store->impl_->PutRows(rows, *store->state_, changes);
  s = store->impl_->db->Write(sync, &rows);
  if (!s.ok()) return FromRocks(s, "cannot write the first derived rows");
  return store;
}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  auto impl = Impl::OpenDb(options, /*create=*/false);
  if (!impl) return impl.error();
  std::string version;
  auto s = (*impl)->db->Get(rocksdb::ReadOptions(), (*impl)->meta, internal::kSchemaVersionKey,
                            &version);
  if (!s.ok()) return FromRocks(s, "cannot read the schema version");
  if (version.size() != 8 || ReadBigEndian64(version) != internal::kSchemaVersion) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "the store at " + options.path +
                         " was written by another version of Lovebank; upgrade lovebank-node");
  }
  auto store = std::unique_ptr<Store>(new Store(std::move(*impl)));
  if (auto reloaded = store->Reload(); !reloaded) return reloaded.error();
  std::string built;
  s = store->impl_->db->Get(rocksdb::ReadOptions(), store->impl_->meta,
                            internal::kHistoryBuiltKey, &built);
  if (s.IsNotFound()) {
    if (auto written = store->impl_->BuildHistory(*store->state_); !written) {
      return written.error();
    }
  } else if (!s.ok()) {
    return FromRocks(s, "cannot read the store's history marker");
  }
  return store;
}

Status Store::Reload() {
  auto replayed = impl_->Replay();
  if (!replayed) return replayed.error();
  state_ = std::move(*replayed);
  return OkStatus();
}

Result<std::vector<AddResult>> Store::Ingest(std::vector<VerifiedEntry> batch_entries) {
  std::vector<Group> groups(1);
  groups[0].entries = std::move(batch_entries);
  auto done = IngestGroups(std::move(groups));
  if (!done) return done.error();
  return std::move((*done)[0].added);
}

Result<std::vector<Store::GroupResult>> Store::IngestGroups(std::vector<Group> groups) {
  if (diverged_) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "the ledger in memory could not be brought back in line with the disk "
                     "after a failed write; restart lovebank-node");
  }
  if (write_failed_) {
    // Still out of space (or the disk still failing): refuse before touching the state.
    if (auto resumed = impl_->db->Resume(); !resumed.ok()) {
      return FromRocks(resumed, "cannot store the entries (the last write failed)");
    }
    write_failed_ = false;
  }
  rocksdb::WriteBatch batch;
  std::vector<EntryId> written;  // connected entries this batch puts in `entries`
  auto put = [&](const VerifiedEntry& stored, bool connected) {
    const EntryId& id = stored.id;
    if (connected) {
      written.push_back(id);
      batch.Put(impl_->entries, internal::EntryKey(stored.entry.author, stored.entry.seq, id),
                stored.envelope);
      batch.Put(impl_->ids, id.view(), internal::IdValue(stored.entry.author, stored.entry.seq));
    } else {
      batch.Put(impl_->pending, id.view(), stored.envelope);
    }
    // Indexed once, when first stored: a pending entry that connects later has its rows.
    impl_->PutHistory(batch, stored, connected, *state_);
  };
  std::vector<GroupResult> results(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    auto& entries = groups[g].entries;
    auto& out = results[g].added;
    out.reserve(entries.size());
    if (groups[g].judged) {
      std::vector<EntryId> ids;
      for (const auto& v : entries) {
        ids.push_back(v.id);
        out.push_back({state_->Find(v.id) ? AddOutcome::kDuplicate : AddOutcome::kApplied, {}});
      }
      Trial trial = state_->TryAdmit(std::move(entries), groups[g].options);
      if (!trial.admitted) {
        results[g].refused = std::move(trial);
        out.clear();
        continue;
      }
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (out[i].outcome == AddOutcome::kDuplicate) continue;
        // Kept entries are connected, except a voucher's history still waiting for its prev.
        const bool connected = state_->Status(ids[i]) != EntryStatus::kPending;
        if (!connected) out[i].outcome = AddOutcome::kPending;
        put(*state_->Find(ids[i]), connected);
      }
      continue;
    }
    for (auto& v : entries) {
      const EntryId id = v.id;
      AddResult result = state_->Add(std::move(v));
      if (result.outcome == AddOutcome::kApplied || result.outcome == AddOutcome::kPending) {
        put(*state_->Find(id), result.outcome == AddOutcome::kApplied);  // the state owns it now
      }
      out.push_back(std::move(result));
    }
  }
  state_->Settle();
  auto changes = state_->TakeChanges();
  for (const VerifiedEntry* v : changes.connected_from_pending) {
    batch.Delete(impl_->pending, v->id.view());
    batch.Put(impl_->entries, internal::EntryKey(v->entry.author, v->entry.seq, v->id),
              v->envelope);
    batch.Put(impl_->ids, v->id.view(), internal::IdValue(v->entry.author, v->entry.seq));
    written.push_back(v->id);
  }
  for (const VerifiedEntry& v : changes.dropped) {
    batch.Delete(impl_->pending, v.id.view());
    impl_->DeleteHistory(batch, v, *state_);
  }
  impl_->PutRows(batch, *state_, changes);
  auto s = impl_->db->Write(impl_->WriteOptions(), &batch);
  if (!s.ok()) {
    Error error = FromRocks(s, "cannot store the entries");
    write_failed_ = true;
    // The state in memory is ahead of the disk: take it back to what is stored.
    if (auto reloaded = Reload(); !reloaded) {
      diverged_ = true;  // refuse further writes rather than store on a wrong state
      return reloaded.error();
    }
    return error;
  }
  // On disk now: memory keeps the decoded entries, not their signed bytes.
  for (const auto& id : written) state_->ReleaseEnvelope(id);
  return results;
}

Result<crypto::Digest> Store::Rebuild() {
  if (auto reloaded = Reload(); !reloaded) return reloaded.error();
  LedgerState::Changes all;
  all.everything = true;
  rocksdb::WriteBatch batch;
  impl_->PutRows(batch, *state_, all);
  auto s = impl_->db->Write(impl_->WriteOptions(), &batch);
  if (!s.ok()) return FromRocks(s, "cannot write the rebuilt state");
  if (auto written = impl_->BuildHistory(*state_); !written) return written.error();
  return state_->StateHash();
}

Status Store::CheckDerivedRows() const {
  std::map<Bytes, Bytes> expected;
  for (const auto& a : state_->Accounts()) {
    expected[internal::AccountRowKey(a.id)] = internal::EncodeAccountRow(a);
  }
  for (const auto& item : state_->Items()) {
    expected[internal::ItemRowKey(item.id)] = internal::EncodeItemRow(item);
  }
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->rows));
  auto want = expected.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
    std::string key = it->key().ToString();
    if (want == expected.end() || want->first != key) {
      return MakeError(ErrorCode::kDataLoss,
                       "derived row " + ToHex(key) + " is not what the entries give");
    }
    if (want->second != it->value().ToStringView()) {
      return MakeError(ErrorCode::kDataLoss,
                       "derived row " + ToHex(key) + " differs from what the entries give");
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read the derived rows");
  if (want != expected.end()) {
    return MakeError(ErrorCode::kDataLoss, "derived row " + ToHex(want->first) + " is missing");
  }
  return OkStatus();
}

Result<std::optional<Bytes>> Store::FindEnvelope(const EntryId& id) const {
  std::string position;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->ids, id.view(), &position);
  if (s.IsNotFound()) {
    std::string envelope;
    s = impl_->db->Get(rocksdb::ReadOptions(), impl_->pending, id.view(), &envelope);
    if (s.IsNotFound()) return std::optional<Bytes>();
    if (!s.ok()) return FromRocks(s, "cannot read a pending entry");
    return std::optional<Bytes>(std::move(envelope));
  }
  if (!s.ok() || position.size() != 40) return FromRocks(s, "cannot read the id index");
  std::string envelope;
  s = impl_->db->Get(rocksdb::ReadOptions(), impl_->entries,
                     internal::EntryKey(*PublicKey::FromView(position.substr(0, 32)),
                                        ReadBigEndian64(position.substr(32)), id),
                     &envelope);
  if (!s.ok()) return FromRocks(s, "the id index names an entry that is not stored");
  return std::optional<Bytes>(std::move(envelope));
}

Result<std::vector<EntryId>> Store::IdsStartingWith(std::string_view hex_prefix,
                                                    std::size_t limit) const {
  if (hex_prefix.empty() || hex_prefix.size() > 2 * EntryId::kSize) {
    return MakeError(ErrorCode::kInvalidArgument, "an id prefix is 1 to 64 hex digits");
  }
  std::string lower(hex_prefix);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  // The whole bytes of the prefix, then an odd last digit as the high half of one more
  // byte: the seek lands on the first id that can match, and the run ends at the
  // first that cannot.
  auto whole = FromHex(std::string_view(lower).substr(0, lower.size() & ~std::size_t{1}));
  auto odd =
      lower.size() % 2 ? FromHex(std::string{lower.back(), '0'}) : std::optional<Bytes>(Bytes{});
  if (!whole || !odd) return MakeError(ErrorCode::kInvalidArgument, "an id prefix is hex digits");
  std::string seek(whole->begin(), whole->end());
  seek.append(odd->begin(), odd->end());
  std::vector<EntryId> ids;
  for (auto* family : {impl_->ids, impl_->pending}) {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), family));
    std::size_t found = 0;
    for (it->Seek(seek); it->Valid() && found < limit; it->Next()) {
      auto id = EntryId::FromView(it->key().ToStringView());
      if (!id) return MakeError(ErrorCode::kDataLoss, "a stored id is damaged; rebuild the node");
      if (!ToHex(*id).starts_with(lower)) break;
      ids.push_back(*id);
      ++found;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "cannot read the ids");
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > limit) ids.resize(limit);
  return ids;
}

Result<std::vector<EntryId>> Store::History(const PublicKey& key) const {
  std::vector<EntryId> ids;
  const rocksdb::Slice prefix(key.view().data(), key.view().size());
  // The key's own connected entries: its chain in `entries` (author ‖ seq ‖ id).
  std::unique_ptr<rocksdb::Iterator> chain(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->entries));
  for (chain->Seek(prefix); chain->Valid() && chain->key().starts_with(prefix); chain->Next()) {
    auto parts = internal::ParseEntryKey(chain->key().ToStringView());
    if (!parts) return MakeError(ErrorCode::kDataLoss, "a stored entry key is damaged");
    ids.push_back(parts->id);
  }
  if (!chain->status().ok()) return FromRocks(chain->status(), "cannot read the chain");
  // Everything else that names it, and its entries stored while pending.
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->history));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto id = EntryId::FromView(it->key().ToStringView().substr(32));
    if (!id) return MakeError(ErrorCode::kDataLoss, "a history row is damaged; rebuild the node");
    ids.push_back(*id);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read the history index");
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Result<std::vector<Bytes>> Store::ChainEnvelopes(const PublicKey& author, std::uint64_t from_seq,
                                                 std::size_t limit) const {
  auto entries = ChainEntries(author, from_seq, limit);
  if (!entries) return entries.error();
  std::vector<Bytes> out;
  out.reserve(entries->size());
  for (auto& [seq, envelope] : *entries) out.push_back(std::move(envelope));
  return out;
}

Result<std::vector<std::pair<std::uint64_t, Bytes>>> Store::ChainEntries(
    const PublicKey& author, std::uint64_t from_seq, std::size_t limit) const {
  std::vector<std::pair<std::uint64_t, Bytes>> out;
  Bytes start(author.view());
  AppendBigEndian64(start, from_seq);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->entries));
  for (it->Seek(start); it->Valid() && out.size() < limit; it->Next()) {
    if (!it->key().starts_with(rocksdb::Slice(author.view().data(), author.view().size()))) break;
    std::uint64_t seq = ReadBigEndian64(it->key().ToStringView().substr(32, 8));
    out.emplace_back(seq, Bytes(it->value().ToStringView()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read the chain");
  return out;
}

Result<Store::ExportPage> Store::ReadExportPage(ByteView after, std::size_t max_bytes) const {
  ExportPage page;
  const NetworkId& genesis = state_->network();
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->entries));
  if (after.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(rocksdb::Slice(after.data(), after.size()));
    if (it->Valid() && it->key().ToStringView() == after) it->Next();
  }
  for (; it->Valid(); it->Next()) {
    ByteView key = it->key().ToStringView();
    if (key.size() == 72 && key.substr(40) == genesis.view()) continue;
    if (page.entries > 0 && page.records.size() >= max_bytes) return page;
    ByteView value = it->value().ToStringView();
    AppendLittleEndian32(page.records, static_cast<std::uint32_t>(value.size()));
    page.records.append(value);
    ++page.entries;
    page.next = Bytes(key);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read the entries");
  page.next.clear();
  return page;
}

Result<Store::StoredRows> Store::ReadStoredRows() const {
  StoredRows rows;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->rows));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ByteView key = it->key().ToStringView();
    ByteView value = it->value().ToStringView();
    bool ok = false;
    if (key.size() == 33 && key[0] == internal::kAccountRowPrefix) {
      auto a = internal::DecodeAccountRow(*PublicKey::FromView(key.substr(1)), value);
      if (a) rows.accounts.push_back(std::move(*a));
      ok = a.has_value();
    } else if (key.size() == 33 && key[0] == internal::kItemRowPrefix) {
      auto i = internal::DecodeItemRow(*EntryId::FromView(key.substr(1)), value);
      if (i) rows.items.push_back(std::move(*i));
      ok = i.has_value();
    }
    if (!ok) {
      return MakeError(ErrorCode::kDataLoss,
                       "derived row " + ToHex(key) + " does not decode; rebuild the node");
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read the derived rows");
  return rows;
}

}  // namespace lovebank::ledger
