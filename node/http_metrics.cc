#include "node/http_metrics.h"

#include <fmt/format.h>

#include <mutex>
#include <string_view>

#include "ledger/state.h"

namespace lovebank::node {

using ledger::LedgerState;

namespace {

template <class Metric>
void PeerMetrics(std::string& out, Metric& metric, const net::PeerManager& manager) {
  const auto& c = manager.counters();
  auto peers = manager.Peers();
  metric("lovebank_peers_connected", "gauge", "Peers connected.", peers.size());
  metric("lovebank_peer_connections_total", "counter", "Peer sessions established.",
         c.connections.load());
  metric("lovebank_peer_handshake_failures_total", "counter",
         "Handshakes that failed (wrong network key, tampering, timeouts).",
         c.handshake_failures.load());
  metric("lovebank_peer_refused_total", "counter",
         "Peer connections refused: before the handshake (a source over its share of "
         "pre-authentication slots) or after it (not on the roster, banned, self, "
         "duplicate, inbound slots full).",
         c.refused.load());
  metric("lovebank_peer_bytes_sent_total", "counter", "Bytes sent to peers.", c.bytes_sent.load());
  metric("lovebank_peer_bytes_received_total", "counter", "Bytes received from peers.",
         c.bytes_received.load());
  metric("lovebank_peer_entries_sent_total", "counter", "Entries sent to peers.",
         c.entries_sent.load());
  metric("lovebank_peer_entries_received_total", "counter", "New entries received from peers.",
         c.entries_received.load());
  metric("lovebank_peer_entries_duplicate_total", "counter",
         "Entries from peers that were already held (dropped before verifying).",
         c.entries_duplicate.load());
  metric("lovebank_peer_gossip_dropped_total", "counter",
         "Gossip frames dropped for a slow peer (anti-entropy repairs them).",
         c.gossip_dropped.load());
  metric("lovebank_sync_rounds_total", "counter", "Anti-entropy rounds started.",
         c.sync_rounds.load());
  metric("lovebank_sync_in_sync_total", "counter", "Anti-entropy rounds that found peers in sync.",
         c.sync_in_sync.load());
  out += "# HELP lovebank_peer_disconnects_total Peer sessions ended, by reason.\n"
         "# TYPE lovebank_peer_disconnects_total counter\n";
  {
    std::lock_guard lock(c.mutex);
    for (const auto& [reason, n] : c.disconnects) {
      out += fmt::format("lovebank_peer_disconnects_total{{reason=\"{}\"}} {}\n", reason, n);
    }
  }
  out += "# HELP lovebank_peer_lag_entries Entries a peer held that this node lacked at the "
         "last probe.\n# TYPE lovebank_peer_lag_entries gauge\n";
  for (const auto& p : peers) {
    out += fmt::format("lovebank_peer_lag_entries{{peer=\"{}\"}} {}\n", p.key.substr(0, 16),
                       p.lag);
  }
}

}  // namespace

std::string MetricsText(Node& node, HttpServer& server,
                      const net::PeerManager* peers) {
  auto& c = node.counters();
  std::string out;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help,
                    std::uint64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name,
                       value);
  };
  node.Read([&](const LedgerState& state, const ledger::Store& store) {
    metric("lovebank_ledger_entries", "gauge", "Connected entries on the ledger.",
           state.connected_count());
    metric("lovebank_ledger_pending_entries", "gauge", "Entries waiting for their prev.",
           state.pending_count());
    metric("lovebank_ledger_forks", "gauge", "Fork evidence held.", state.Forks().size());
    // StoreMemory is thread-safe; only the pointer is read under the node's lock.
    auto memory = store.memory()->Read();
    metric("lovebank_store_memory_budget_bytes", "gauge",
           "RocksDB's memory budget: one cache for blocks, index and filter blocks and "
           "memtables.",
           memory.budget);
    metric("lovebank_store_memory_used_bytes", "gauge", "Bytes charged to that budget.",
           memory.used);
    metric("lovebank_store_memtable_bytes", "gauge", "Bytes the memtables hold.",
           memory.memtables);
    return 0;
  });
  metric("lovebank_submissions_total", "counter", "Submissions received over HTTP.",
         c.submissions.load());
  metric("lovebank_entries_stored_total", "counter", "New entries stored.",
         c.entries_stored.load());
  metric("lovebank_entries_duplicate_total", "counter", "Entries submitted again.",
         c.entries_duplicate.load());
  metric("lovebank_ingest_batches_total", "counter", "Group commits written.", c.batches.load());
  metric("lovebank_ingest_batch_entries_total", "counter", "Entries written by group commits.",
         c.batch_entries.load());
  metric("lovebank_ingest_commit_microseconds_total", "counter",
         "Time spent checking, applying and syncing batches.", c.commit_micros.load());
  metric("lovebank_store_write_failures_total", "counter", "Failed store writes.",
         c.write_failures.load());
  metric("lovebank_pending_dropped_total", "counter",
         "Entries waiting for a prev not stored because the pending pool was full.",
         c.pending_dropped.load());
  metric("lovebank_disk_space_low", "gauge",
         "1 while free space on the ledger's disk is under the reserve.",
         c.disk_low.load() ? 1 : 0);
  const auto& h = server.counters();
  metric("lovebank_http_requests_total", "counter", "HTTP requests answered.", h.requests.load());
  metric("lovebank_http_connections", "gauge", "Open HTTP connections.",
         server.open_connections());
  metric("lovebank_http_refused_connections_total", "counter",
         "Connections closed at once: all slots taken.", h.refused_full.load());
  metric("lovebank_http_refused_source_connections_total", "counter",
         "Connections closed at once: their source address held its share of slots.",
         h.refused_source.load());
  metric("lovebank_http_too_large_total", "counter",
         "Requests answered 413 (a header, trailer or body past its bound).", h.too_large.load());
  metric("lovebank_http_bad_requests_total", "counter",
         "Connections ended on bytes that were not HTTP, or on the request deadline.",
         h.bad_requests.load());
  metric("lovebank_http_busy_replies_total", "counter",
         "Large replies answered 503 because the reply budget was spent.",
         h.busy_replies.load());
  metric("lovebank_http_connection_errors_total", "counter",
         "Connections ended by an unexpected error (never the process).",
         h.connection_errors.load());
  metric("lovebank_http_reply_bytes_in_flight", "gauge",
         "Bytes of large replies written or waiting to be read.",
         server.reply_budget().in_flight());
  if (peers) PeerMetrics(out, metric, *peers);
  out += "# HELP lovebank_refusals_total Submissions refused, by reason.\n"
         "# TYPE lovebank_refusals_total counter\n";
  {
    std::lock_guard lock(c.refusal_mutex);
    for (const auto& [code, n] : c.refusals_by_code) {
      out += fmt::format("lovebank_refusals_total{{code=\"{}\"}} {}\n", code, n);
    }
  }
  return out;
}

}  // namespace lovebank::node
