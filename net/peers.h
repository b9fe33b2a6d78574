// The peer-to-peer side of a node: listens for and dials neighbourhood peers, runs
// the handshake and the frame cipher over TCP (Boost.Asio, C++20 coroutines), pushes
// new entries as gossip, and reconciles ledgers by anti-entropy (sync.h).
//
// One I/O thread runs every connection; signatures of received entries are checked
// on a small pool of verify threads; the node stores them through LedgerAccess.
// Every queue and rate is bounded (PeerOptions). A peer that sends a bad signature,
// a malformed or oversize frame, or floods is disconnected and banned for a while,
// with the reason logged and counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/keys.h"
#include "ledger/entry.h"
#include "net/handshake.h"
#include "net/sync.h"

namespace lovebank::net {

// What the peer layer needs from the node that owns the ledger. Thread-safe.
class LedgerAccess {
 public:
  virtual ~LedgerAccess() = default;
  virtual ledger::NetworkId network() const = 0;
  // Runs `read` with the sync index under the node's read lock.
  virtual void ReadIndex(const std::function<void(const SyncIndex&)>& read) const = 0;
  // Connected entries of `author` from `from_seq` on, at most `limit`, with their seqs.
  virtual Result<std::vector<std::pair<std::uint64_t, Bytes>>> Chain(
      const ledger::PublicKey& author, std::uint64_t from_seq, std::size_t limit) const = 0;
  // For each id, whether the node already stores that entry.
  virtual std::vector<bool> Has(const std::vector<ledger::EntryId>& ids) const = 0;
  // The node roster on the ledger (admin node grants minus revokes).
  virtual bool OnRoster(const ledger::PublicKey& node) const = 0;
  // Stores entries that arrived from peer `origin`; `done` is called (on any thread)
  // once they are durable, or with the error. Entries passed VerifyEnvelope. New ones
  // are gossiped on to the other peers when `forward` (they came as gossip, not as
  // an answer to this node's own sync request).
  virtual void Store(std::uint64_t origin, std::vector<ledger::VerifiedEntry> entries,
                     bool forward, std::function<void(Status)> done) = 0;
};

struct PeerOptions {
  std::string listen;               // HOST:PORT to accept peers on; empty: none
  std::vector<std::string> peers;   // HOST:PORT to dial
  bool peer_exchange = true;        // learn and dial addresses peers tell us about
  std::size_t max_outbound = 8;
  std::size_t max_inbound = 32;             // authenticated inbound peers
  // Inbound connections still in their handshake (they need no key to open): in all,
  // and from one source address. Beyond either, a new connection is closed at once.
  std::size_t max_handshaking = 64;
  std::size_t max_handshaking_per_source = 4;
  std::size_t max_known_addresses = 64;
  std::uint32_t handshake_timeout_ms = 5'000;
  std::uint32_t idle_timeout_ms = 60'000;   // no frame at all for this long: close
  std::uint32_t reply_timeout_ms = 30'000;  // a sync request unanswered: close
  std::uint32_t sync_interval_ms = 2'000;   // anti-entropy on each outbound link
  std::uint32_t backoff_initial_ms = 250;
  std::uint32_t backoff_max_ms = 30'000;
  std::uint32_t ban_ms = 60'000;            // a misbehaving peer's first ban
  // Per-peer rate limits (token buckets): frames of any kind, and entries pushed
  // without being asked for (gossip). Above them the peer is cut off for flooding.
  double frames_per_second = 2'000;
  double frame_burst = 4'000;
  double gossip_entries_per_second = 5'000;
  double gossip_entry_burst = 20'000;
  std::size_t max_send_queue_bytes = 8 * 1024 * 1024;  // gossip beyond it is dropped
  std::size_t max_intake_entries = 16'384;  // received, not yet stored; reading waits
  std::size_t stream_frame_bytes = 256 * 1024;
  unsigned verify_threads = 2;
};

struct PeerStatus {
  std::string key;         // hex node key
  std::string address;     // remote endpoint
  std::string listen;      // where it accepts peers (from its hello)
  bool outbound = false;
  std::string state;       // "syncing", "in_sync", "connected"
  std::uint64_t lag = 0;   // entries the peer had that we lacked at the last probe
  std::int64_t last_in_sync_ms_ago = -1;
  std::uint64_t bytes_sent = 0, bytes_received = 0;
  std::uint64_t entries_sent = 0, entries_received = 0;
  std::uint64_t sync_rounds = 0;
  std::uint64_t sync_requests = 0;  // requests sent by this side's sync driver (round trips)
  double connected_seconds = 0;
};

struct PeerCounters {
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> handshake_failures{0};
  std::atomic<std::uint64_t> refused{0};  // not on the roster, banned, duplicate, self
  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<std::uint64_t> bytes_received{0};
  std::atomic<std::uint64_t> entries_sent{0};
  std::atomic<std::uint64_t> entries_received{0};
  std::atomic<std::uint64_t> entries_duplicate{0};
  std::atomic<std::uint64_t> gossip_dropped{0};
  std::atomic<std::uint64_t> sync_rounds{0};
  std::atomic<std::uint64_t> sync_in_sync{0};
  mutable std::mutex mutex;
  std::map<std::string, std::uint64_t> disconnects;  // by reason; guarded by mutex
};

class PeerManager {
 public:
  // `node_key` must outlive the manager.
  PeerManager(LedgerAccess& ledger, const crypto::SecretKey& node_key,
              const NetworkKey& network_key, PeerOptions options);
  ~PeerManager();  // Stop()
  PeerManager(const PeerManager&) = delete;
  PeerManager& operator=(const PeerManager&) = delete;

  // Binds the listener (if any), starts dialing and the I/O thread. Returns the bound
  // port (0 without a listener). kUnavailable if the address cannot be bound.
  Result<std::uint16_t> Start();
  // Closes every connection and joins the threads. Idempotent.
  void Stop();

  // The node calls this after storing new entries: pushes them to every connected
  // peer but `origin` (0: from a wallet). The first `urgent` are fork evidence and
  // jump the queues. Thread-safe.
  void Gossip(std::uint64_t origin, std::vector<Bytes> envelopes, std::size_t urgent);

  // A snapshot of the connected peers. Thread-safe.
  std::vector<PeerStatus> Peers() const;
  const PeerCounters& counters() const;
  const PeerOptions& options() const;

  class Impl;  // defined in peers.cc

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace lovebank::net
