#include "node/node.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <limits>
#include <filesystem>

#include "base/clock.h"
#include "base/hex.h"

namespace lovebank::node {

using namespace ledger;

namespace {

Refusal FromError(const Error& error, i18n::Lang lang) {
  if (error.code == ErrorCode::kResourceExhausted) {
    return Refusal{RefusalCode::kDiskFull,
                   i18n::Tr(lang,
                            "the node cannot write to its disk (full?); nothing was stored. The "
                            "operator should free space; the node recovers by itself")};
  }
  return Refusal{RefusalCode::kStorageError,
                 i18n::TrF(lang,
                           "the node could not store the entry ({}); nothing was stored, try "
                           "again later",
                           error.message)};
}

}  // namespace

Result<std::unique_ptr<Node>> Node::Open(const NodeOptions& options) {
  StoreOptions store_options;
  store_options.path = LedgerPath(options.data_dir);
  store_options.sync = options.sync;
  store_options.memory = ledger::StoreMemory::Create(options.store_memory_bytes);
  auto store = Store::Open(store_options);
  if (!store) return store.error();
  return std::unique_ptr<Node>(new Node(options, std::move(*store)));
}

Node::Node(const NodeOptions& options, std::unique_ptr<Store> store)
    : options_(options), network_(store->state().network()), store_(std::move(store)) {
  RebuildSyncIndex();
  ingest_thread_ = std::thread([this] { IngestLoop(); });
}

Node::~Node() {
  Stop();
  if (ingest_thread_.joinable()) ingest_thread_.join();
}

void Node::Stop() {
  std::vector<Queued> orphaned;
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) return;
    stopping_ = true;
    orphaned = std::move(queue_);
    queue_.clear();
  }
  queue_cv_.notify_all();
  for (auto& q : orphaned) {
    q.done(Refusal{
        RefusalCode::kShuttingDown,
        i18n::Tr(q.submission.lang, "the node is shutting down; try again when it is back")});
  }
}

std::size_t Node::queued() const {
  std::lock_guard lock(queue_mutex_);
  return queue_.size();
}

void Node::Submit(Submission submission, SubmitCallback done) {
  counters_.submissions.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(queue_mutex_);
    if (!stopping_ && queue_.size() < options_.max_queued_submissions) {
      queue_.push_back(Queued{std::move(submission), std::move(done)});
      queue_cv_.notify_one();
      return;
    }
  }
  done(Refusal{
      RefusalCode::kBusy,
      i18n::Tr(submission.lang, "the node is busy or shutting down; try again in a moment")});
}

void Node::RebuildSyncIndex() {
  sync_index_.Clear();
  store_->state().ForEachChain(
      [&](const PublicKey& author, const ChainSummary& summary) { sync_index_.Set(author, summary); });
}

void Node::IngestLoop() {
  for (;;) {
    std::vector<Queued> batch;
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      // Take whole submissions up to the batch bound; the rest wait for the next commit.
      std::size_t entries = 0, taken = 0;
      while (taken < queue_.size() &&
             (taken == 0 ||
              entries + queue_[taken].submission.entries.size() <= options_.max_batch_entries)) {
        entries += queue_[taken].submission.entries.size();
        ++taken;
      }
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(taken)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
    }
    IngestBatch(std::move(batch));
  }
}

std::optional<Node::DiskShortage> Node::CheckDiskSpace(std::uint64_t batch_bytes) {
  if (options_.min_free_bytes == 0) return std::nullopt;
  std::error_code ec;
  auto space = std::filesystem::space(LedgerPath(options_.data_dir), ec);
  if (ec) return std::nullopt;  // cannot tell: the write itself will say
  // Twice the batch: the log record now, and the memtable flushed to a table later.
  const bool low = space.available < options_.min_free_bytes + 2 * batch_bytes;
  constexpr std::uint64_t kMiB = 1024 * 1024;
  if (low != counters_.disk_low.exchange(low, std::memory_order_relaxed)) {
    if (low) {
      spdlog::error("only {} MiB free on the ledger's disk, under the {} MiB the node keeps in "
                    "reserve: new entries are refused until space is freed (reads go on)",
                    space.available / kMiB, options_.min_free_bytes / kMiB);
    } else {
      spdlog::info("{} MiB free on the ledger's disk again: taking new entries",
                   space.available / kMiB);
    }
  }
  if (!low) return std::nullopt;
  return DiskShortage{space.available / kMiB, options_.min_free_bytes / kMiB};
}

std::size_t Node::DropOrphansOverBound(
    std::vector<VerifiedEntry>& entries, std::uint64_t& waiting_in_batch,
    std::unordered_set<EntryId, FixedBytesHash>& batch_ids) const {
  const LedgerState& state = store_->state();
  const std::size_t before = entries.size();
  std::erase_if(entries, [&](const VerifiedEntry& v) {
    batch_ids.insert(v.id);
    const Entry& e = v.entry;
    if (!e.prev || batch_ids.contains(*e.prev)) return false;  // first entry, or follows one here
    EntryStatus prev = state.Status(*e.prev);
    if (prev != EntryStatus::kUnknown && prev != EntryStatus::kPending) return false;
    if (state.Status(v.id) != EntryStatus::kUnknown) return false;  // a duplicate costs nothing
    if (state.pending_count() + waiting_in_batch < options_.max_pending_entries) {
      ++waiting_in_batch;
      return false;
    }
    batch_ids.erase(v.id);
    return true;
  });
  return before - entries.size();
}

void Node::IngestBatch(std::vector<Queued> batch) {
  std::uint64_t batch_bytes = 0;
  for (const auto& q : batch) {
    for (const auto& v : q.submission.entries) batch_bytes += v.envelope.size();
  }
  const std::optional<DiskShortage> disk_full = CheckDiskSpace(batch_bytes);
  std::vector<std::optional<Refusal>> refusals(batch.size());
  std::vector<std::optional<std::vector<EntryOutcome>>> results(batch.size());
  std::size_t admitted_entries = 0;
  // New entries per submission, for the stored listener (gossip): fork evidence first.
  std::vector<std::vector<Bytes>> urgent(batch.size()), fresh(batch.size());
  auto started = std::chrono::steady_clock::now();
  {
    std::unique_lock lock(mutex_);
    const LedgerState& state = store_->state();
    AdmissionOptions admission;
    admission.now_ms = static_cast<std::int64_t>(NowMs());
    admission.max_clock_skew_ms = options_.max_clock_skew_ms;
    admission.offline_limit_points = options_.offline_limit_points;
    admission.unproven_points = [&](const PublicKey& volunteer) {
      return state.FulfilledUnfundedPoints(volunteer);
    };
    std::uint64_t waiting_in_batch = 0;  // entries of this batch that will wait for a prev
    std::unordered_set<EntryId, FixedBytesHash> batch_ids;
    std::vector<Store::Group> groups;
    std::vector<std::size_t> group_of(batch.size(), SIZE_MAX);
    std::vector<std::vector<VerifiedEntry>> kept(batch.size());  // what each group carries
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto& entries = batch[i].submission.entries;
      const Source source = batch[i].submission.source;
      admission.lang = batch[i].submission.lang;
      if (disk_full) {
        refusals[i] = Refusal{RefusalCode::kDiskFull,
                              i18n::TrF(admission.lang,
                                        "the node's disk is full ({} MiB free, {} MiB kept in "
                                        "reserve); nothing was stored. The operator should free "
                                        "space; the node takes entries again by itself",
                                        disk_full->free_mib, disk_full->reserve_mib)};
        continue;
      }
      if (source != Source::kWallet) {
        std::size_t dropped = DropOrphansOverBound(entries, waiting_in_batch, batch_ids);
        counters_.pending_dropped.fetch_add(dropped, std::memory_order_relaxed);
        if (dropped > 0 && source == Source::kVoucher) {
          refusals[i] = Refusal{RefusalCode::kBusy,
                                i18n::Tr(admission.lang,
                                         "the node holds too many entries waiting for earlier "
                                         "ones; nothing of the voucher was stored, try again "
                                         "later")};
          continue;
        }
      }
      if (source == Source::kWallet) {
        for (const auto& v : entries) {
          if (state.Find(v.id)) continue;  // a retry: the store reports a duplicate
          if (auto refusal = CheckLocalPolicy(v, admission)) {
            refusals[i] = std::move(refusal);
            break;
          }
        }
      }
      if (refusals[i]) continue;
      for (const auto& v : entries) batch_ids.insert(v.id);
      kept[i] = entries;
      group_of[i] = groups.size();
      Store::Group group;
      group.entries = std::move(entries);
      group.judged = source != Source::kPeer;
      if (group.judged) {
        group.options = TrialOptionsFor(source == Source::kVoucher, state, admission);
      }
      groups.push_back(std::move(group));
    }
    auto ingested = groups.empty() ? Result<std::vector<Store::GroupResult>>(
                                         std::vector<Store::GroupResult>{})
                                   : store_->IngestGroups(std::move(groups));
    if (!ingested) {
      counters_.write_failures.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("store write failed: {}", ingested.error().message);
      RebuildSyncIndex();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!refusals[i]) refusals[i] = FromError(ingested.error(), batch[i].submission.lang);
      }
    } else {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (group_of[i] == SIZE_MAX) continue;
        Store::GroupResult& done = (*ingested)[group_of[i]];
        const auto& entries = kept[i];
        if (done.refused) {
          admission.lang = batch[i].submission.lang;
          refusals[i] = Explain(*done.refused, entries[done.refused->index], state, admission);
          continue;
        }
        results[i] = std::vector<EntryOutcome>{};
        for (std::size_t j = 0; j < entries.size(); ++j) {
          const AddResult& add = done.added[j];
          const VerifiedEntry& v = entries[j];
          if (add.outcome == AddOutcome::kInvalid) {
            results[i]->push_back(EntryOutcome{v.id, add.outcome, {}, {}});
            continue;
          }
          if (add.outcome == AddOutcome::kApplied || add.outcome == AddOutcome::kPending) {
            const Entry& e = v.entry;
            sync_index_.Set(e.author, state.Summary(e.author));
            counters_.entries_stored.fetch_add(1, std::memory_order_relaxed);
            ++admitted_entries;
            if (stored_listener_ && batch[i].submission.forward) {
              (state.ForkedAt(e.author, e.seq) ? urgent : fresh)[i].push_back(v.envelope);
            }
          } else {
            counters_.entries_duplicate.fetch_add(1, std::memory_order_relaxed);
          }
          if (batch[i].submission.source == Source::kPeer) {
            results[i]->push_back(EntryOutcome{v.id, add.outcome, {}, {}});
          } else {
            results[i]->push_back(
                EntryOutcome{v.id, add.outcome, state.Status(v.id), state.FindingsFor(v.id)});
          }
        }
      }
    }
  }
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
  counters_.batches.fetch_add(1, std::memory_order_relaxed);
  counters_.batch_entries.fetch_add(admitted_entries, std::memory_order_relaxed);
  counters_.commit_micros.fetch_add(static_cast<std::uint64_t>(micros),
                                    std::memory_order_relaxed);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (stored_listener_ && !refusals[i] && (!urgent[i].empty() || !fresh[i].empty())) {
      std::size_t n = urgent[i].size();
      for (auto& envelope : fresh[i]) urgent[i].push_back(std::move(envelope));
      stored_listener_(batch[i].submission.origin, std::move(urgent[i]), n);
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (refusals[i]) {
      counters_.refusals.fetch_add(1, std::memory_order_relaxed);
      {
        std::lock_guard lock(counters_.refusal_mutex);
        ++counters_.refusals_by_code[std::string(RefusalName(refusals[i]->code))];
      }
      batch[i].done(std::move(*refusals[i]));
    } else {
      batch[i].done(std::move(*results[i]));
    }
  }
}

}  // namespace lovebank::node
