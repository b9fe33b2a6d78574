// Store: one node's ledger on disk (RocksDB), with its LedgerState in memory.
//
// Entries are kept exactly as signed; derived state (accounts, catalogue) is kept as
// rows beside them for readers, and can always be rebuilt from the entries alone.
// Every Ingest() is one atomic, synced WriteBatch: the entries, their indexes and
// the derived rows they change land together or not at all, and once Ingest()
// returns the batch survives a crash. docs/storage.md gives the column families and
// key formats.
//
// Not thread-safe: one owner (the node's ingest thread) calls everything.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "ledger/entry.h"
#include "ledger/state.h"

namespace lovebank::ledger {

// RocksDB's memory for one or several stores (a node hosting many communities shares
// one): a single LRU cache holds the table blocks read back, their index and filter
// blocks, and a charge for every memtable, so what RocksDB holds stays near
// `budget_bytes` however large the ledgers grow. Memtables may take up to
// `memtable_bytes` of it (at most two thirds); a flush starts when they reach that.
// Thread-safe.
class StoreMemory {
 public:
  static constexpr std::size_t kDefaultBudget = 48 * 1024 * 1024;
  static constexpr std::size_t kDefaultMemtables = 32 * 1024 * 1024;
  static std::shared_ptr<StoreMemory> Create(std::size_t budget_bytes = kDefaultBudget,
                                             std::size_t memtable_bytes = kDefaultMemtables);
  ~StoreMemory();

  struct Usage {
    std::size_t budget = 0;     // the cache's capacity
    std::size_t used = 0;       // blocks, index and filter blocks, and memtable charges
    std::size_t pinned = 0;     // of which in use right now (cannot be dropped)
    std::size_t memtables = 0;  // bytes the memtables of every store hold
    std::size_t memtable_limit = 0;
  };
  Usage Read() const;

  struct Parts;  // RocksDB objects (store.cc)
  const Parts& parts() const { return *parts_; }

 private:
  explicit StoreMemory(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

struct StoreOptions {
  // The database directory.
  std::string path;
  // Sync the write-ahead log on every Ingest(): an acknowledged entry is durable.
  // Only benchmarks comparing against it turn this off.
  bool sync = true;
  // Re-verify every signature when opening. Off by default: entries were verified
  // before they were stored, and RocksDB checksums every block; ids are always
  // recomputed from the bodies on open.
  bool verify_signatures_on_open = false;
  // RocksDB's memory budget; null: a budget of StoreMemory's defaults for this store
  // alone.
  std::shared_ptr<StoreMemory> memory = {};
};

class Store {
 public:
  // Creates a store for the community founded by `genesis` at options.path, which
  // must not already hold one (kAlreadyExists).
  static Result<std::unique_ptr<Store>> Create(const StoreOptions& options,
                                               const VerifiedEntry& genesis);
  // Opens an existing store and replays its entries into memory. kNotFound if there
  // is none; kDataLoss if an entry no longer matches its id.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Applies `batch` to the state and commits it in one synced WriteBatch. Returns one
  // result per entry, in order. On a write failure (disk full: kResourceExhausted)
  // nothing of the batch is kept, in memory or on disk; if memory cannot be brought
  // back in line with the disk, later calls fail with kFailedPrecondition. After a
  // failed write RocksDB refuses every write until it is resumed; the next call first
  // asks it to resume (it flushes to a fresh log), so the store writes again by itself
  // once space is back, and until then fails fast without touching the state.
  Result<std::vector<AddResult>> Ingest(std::vector<VerifiedEntry> batch);

  // A part of one commit: a person's submission, judged by LedgerState::TryAdmit
  // (kept whole or not at all), or signed facts from a peer or an import, stored as
  // Ingest() stores them.
  struct Group {
    std::vector<VerifiedEntry> entries;
    bool judged = false;
    TrialOptions options;  // judged groups only
  };
  struct GroupResult {
    std::optional<Trial> refused;  // a judged group that was refused: nothing of it kept
    std::vector<AddResult> added;  // otherwise one per entry, in order
  };
  // Judges and applies `groups` in order, each seeing the ones before it, and commits
  // what was kept in one synced WriteBatch, with the same failure behaviour as Ingest().
  Result<std::vector<GroupResult>> IngestGroups(std::vector<Group> groups);

  // The settled state after the last Ingest().
  const LedgerState& state() const { return *state_; }

  // Rebuilds the in-memory state and every derived row from the stored entries
  // alone; returns the new state hash.
  Result<crypto::Digest> Rebuild();

  // kDataLoss if a derived row on disk differs from the state computed in memory
  // (someone edited the database, or a bug): names the first one.
  Status CheckDerivedRows() const;

  // The stored envelope of an entry (connected or pending), if any.
  Result<std::optional<Bytes>> FindEnvelope(const EntryId& id) const;

  // Ids of the stored entries (connected or pending) whose hex spelling starts with
  // `hex_prefix` (1 to 64 hex digits, either case), in id order, at most `limit`.
  // kInvalidArgument if the prefix is not hex. One seek per family: the ids whose
  // spelling shares a prefix are one run of keys.
  Result<std::vector<EntryId>> IdsStartingWith(std::string_view hex_prefix,
                                               std::size_t limit) const;

  // Ids of the stored entries that concern `key` (ledger/parties.h), in id order, each
  // once: the key's chain and every entry naming it, read from disk, none of it in
  // memory. May name an entry dropped from the pending pool, which the state no
  // longer holds.
  Result<std::vector<EntryId>> History(const PublicKey& key) const;

  // Connected envelopes of `author`'s chain from `from_seq` on, at most `limit`.
  Result<std::vector<Bytes>> ChainEnvelopes(const PublicKey& author, std::uint64_t from_seq,
                                            std::size_t limit) const;

  // The same with each entry's seq, for streaming a chain to a peer page by page.
  Result<std::vector<std::pair<std::uint64_t, Bytes>>> ChainEntries(const PublicKey& author,
                                                                    std::uint64_t from_seq,
                                                                    std::size_t limit) const;

  // A page of the export (ledger/export_file.h): connected envelopes other than the
  // genesis, in (author, seq, id) order, starting after the entry key `after` (empty:
  // from the start), framed as export records, until about `max_bytes`. `next` is the
  // key to continue after, or empty when the page reached the end. Pages read while
  // entries arrive still give each chain as a prefix.
  struct ExportPage {
    Bytes records;
    std::uint64_t entries = 0;
    Bytes next;
  };
  Result<ExportPage> ReadExportPage(ByteView after, std::size_t max_bytes) const;

  // The derived rows as they are on disk (not the in-memory state): what an auditor
  // compares with a recomputation. kDataLoss names a row that does not decode.
  struct StoredRows {
    std::vector<AccountView> accounts;
    std::vector<ItemView> items;
  };
  Result<StoredRows> ReadStoredRows() const;

  const std::string& path() const;

  // The budget this store draws on (shared with the other stores given the same one).
  const std::shared_ptr<StoreMemory>& memory() const;

 private:
  class Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  Status Reload();

  std::unique_ptr<Impl> impl_;
  std::unique_ptr<LedgerState> state_;
  // Set when a failed write could not be undone in memory: Ingest() refuses from then on.
  bool diverged_ = false;
  bool write_failed_ = false;  // the last write failed: resume RocksDB before the next
};

}  // namespace lovebank::ledger
