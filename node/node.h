// Node: one community's ledger as a running service. Owns the Store and the one
// ingest thread that writes it; everything else (HTTP handlers, later the peer
// sessions) hands entries to Submit() and reads through Read().
//
// Group commit: submissions queue up while the previous batch is being written; the
// ingest thread takes everything waiting (up to max_batch_entries), checks each
// wallet submission against the ledger (admission.h), and writes the admitted
// entries in one synced WriteBatch. Each submitter hears back only after its entries
// are durable, so one fsync acknowledges many wallets at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "i18n/i18n.h"
#include "ledger/entry.h"
#include "ledger/state.h"
#include "ledger/store.h"
#include "net/sync.h"
#include "node/admission.h"
#include "node/config.h"

namespace lovebank::node {

// Where a submission came from, which decides how strictly it is checked.
enum class Source : std::uint8_t {
  kWallet,   // a person's new entry: every admission check (admission.h)
  kVoucher,  // a voucher bundle shown at a station: signed facts, stored like gossip
  kPeer,     // from another node (gossip or sync): signed facts, stored as they are
};

struct Submission {
  Source source = Source::kWallet;
  std::vector<ledger::VerifiedEntry> entries;  // each passed VerifyEnvelope
  // The peer session the entries came from (kPeer), so gossip does not send them back.
  std::uint64_t origin = 0;
  // Pass new entries on to the other peers. Entries a peer streamed during sync are
  // not: each neighbour fetches them by its own anti-entropy.
  bool forward = true;
  // The language refusals are worded in: the submitting person's (Accept-Language).
  i18n::Lang lang = i18n::Lang::kEn;
};

// Called on the ingest thread after a batch is durable, once per submission that
// stored new entries: where they came from, their envelopes (fork evidence first) and
// how many of them are fork evidence.
using StoredListener =
    std::function<void(std::uint64_t origin, std::vector<Bytes> envelopes, std::size_t urgent)>;

// What happened to one stored (or already stored) entry.
struct EntryOutcome {
  ledger::EntryId id;
  ledger::AddOutcome outcome;
  ledger::EntryStatus status;  // after the batch settled
  std::vector<ledger::Finding> findings;
};

using SubmitResult = Result<std::vector<EntryOutcome>, Refusal>;
using SubmitCallback = std::function<void(SubmitResult)>;

// Counters for /metrics. Relaxed atomics: read for display only.
struct NodeCounters {
  std::atomic<std::uint64_t> submissions{0};
  std::atomic<std::uint64_t> entries_stored{0};
  std::atomic<std::uint64_t> entries_duplicate{0};
  std::atomic<std::uint64_t> refusals{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> batch_entries{0};
  std::atomic<std::uint64_t> commit_micros{0};
  std::atomic<std::uint64_t> write_failures{0};
  std::atomic<std::uint64_t> pending_dropped{0};  // orphans not stored: pool at its bound
  std::atomic<bool> disk_low{false};              // free space under min_free_bytes
  std::mutex refusal_mutex;
  std::map<std::string, std::uint64_t> refusals_by_code;  // guarded by refusal_mutex
};

class Node {
 public:
  // Opens the store in options.data_dir and starts the ingest thread.
  static Result<std::unique_ptr<Node>> Open(const NodeOptions& options);
  ~Node();  // stops the ingest thread after the batches already taken
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Queues `submission`; `done` is called exactly once, on the ingest thread, after
  // the entries are durable or with the reason they were refused. Thread-safe.
  void Submit(Submission submission, SubmitCallback done);

  // Runs `read` with the sync index (net/sync.h) under the shared lock.
  template <class F>
  auto ReadSync(F&& read) const {
    std::shared_lock lock(mutex_);
    return read(sync_index_, *store_);
  }

  // Set before entries flow (before the API and peers start). Not thread-safe.
  void SetStoredListener(StoredListener listener) { stored_listener_ = std::move(listener); }

  // Runs `read` with the settled state and the store (its history index included)
  // under a shared lock (many readers, or the ingest thread's apply-and-commit). Thread-safe.
  template <class F>
  auto Read(F&& read) const {
    std::shared_lock lock(mutex_);
    return read(store_->state(), *store_);
  }

  const NodeOptions& options() const { return options_; }
  const ledger::NetworkId& network() const { return network_; }
  NodeCounters& counters() { return counters_; }
  std::size_t queued() const;

  // Stops taking submissions; pending callbacks get kUnavailable. Idempotent.
  void Stop();

 private:
  struct Queued {
    Submission submission;
    SubmitCallback done;
  };
  Node(const NodeOptions& options, std::unique_ptr<ledger::Store> store);
  void IngestLoop();
  void RebuildSyncIndex();  // from the state; under the unique lock
  void IngestBatch(std::vector<Queued> batch);
  // What the ledger's disk has when it is below its reserve (every submission of the
  // batch is refused, each in its own language); nullopt when there is room. Logs when
  // the state changes.
  struct DiskShortage {
    std::uint64_t free_mib = 0;
    std::uint64_t reserve_mib = 0;
  };
  std::optional<DiskShortage> CheckDiskSpace(std::uint64_t batch_bytes);
  // Removes from `entries` those that would join a pending pool already at its bound
  // (from a peer or a voucher; wallet entries never wait). `batch_ids` holds the ids
  // taken into the batch so far (an entry that follows one of them does not wait).
  // Returns how many it removed.
  std::size_t DropOrphansOverBound(std::vector<ledger::VerifiedEntry>& entries,
                                   std::uint64_t& waiting_in_batch,
                                   std::unordered_set<ledger::EntryId, FixedBytesHash>&
                                       batch_ids) const;

  NodeOptions options_;
  ledger::NetworkId network_;
  NodeCounters counters_;

  mutable std::shared_mutex mutex_;  // guards store_
  std::unique_ptr<ledger::Store> store_;
  net::SyncIndex sync_index_;
  StoredListener stored_listener_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::vector<Queued> queue_;  // guarded by queue_mutex_
  bool stopping_ = false;      // guarded by queue_mutex_
  std::thread ingest_thread_;
};

}  // namespace lovebank::node
