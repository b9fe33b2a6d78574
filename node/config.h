// The node's settings and its data directory. Only config.cc reads files and flags;
// the rest of the node takes these plain structs (tests build them directly).
//
// Data directory layout (created by `lovebank-node init`):
//   DIR/node.key      the node's Ed25519 seed, hex, mode 0600
//   DIR/network.key   the community's secret network key, hex, mode 0600
//   DIR/genesis.entry the community's signed genesis entry (SignedEntry bytes)
//   DIR/ledger/       the RocksDB store (docs/storage.md)
//   DIR/node.toml     optional settings, read by `run` when --config is not given
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/keys.h"

namespace lovebank::node {

struct NodeOptions {
  // The data directory (see above).
  std::string data_dir;
  // Entries from a wallet whose timestamp is further than this from the node's clock
  // are refused: a wrong clock on a laptop would otherwise date service wrongly.
  std::int64_t max_clock_skew_ms = 10 * 60 * 1000;
  // Points per volunteer that this (station) node fulfils on vouchers it cannot yet
  // prove funded, like a card terminal's floor limit. 0: only proven vouchers.
  std::uint64_t offline_limit_points = 100;
  // Group commit: at most this many entries share one synced write.
  std::size_t max_batch_entries = 2048;
  // Submissions waiting for the ingest thread; more are refused with "busy" (503).
  std::size_t max_queued_submissions = 8192;
  // Entries from peers and voucher bundles whose prev has not arrived are held in the
  // pending pool (memory and disk). Beyond this many, more such entries are not stored
  // (a peer's anti-entropy offers them again once their chain has connected), so a
  // flood of orphans cannot grow the node without limit. The pool may exceed it by at
  // most one batch (max_batch_entries).
  std::size_t max_pending_entries = 100'000;
  // Free space the node keeps on the ledger's disk. Below it new entries are refused
  // with "disk_full" (507) while reads go on; they are taken again as soon as space is
  // back. RocksDB itself is never driven into a full disk: its write-ahead log may not
  // recover from that without a restart.
  std::uint64_t min_free_bytes = 64ull * 1024 * 1024;
  // RocksDB's memory: one cache for table, index and filter blocks, charged for the
  // memtables too (ledger::StoreMemory). Up to 32 MiB of it (at most two thirds) may be
  // memtables.
  std::size_t store_memory_bytes = 48 * 1024 * 1024;
  // Sync the write-ahead log before acknowledging (only benchmarks turn this off).
  bool sync = true;
};

struct HttpOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 7700;
  // Threads serving HTTP (and verifying signatures of submitted entries).
  unsigned threads = 2;
  std::size_t max_body_bytes = 256 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 512;
  // Open connections from one source address (an IPv4 address, an IPv6 /64).
  std::size_t max_connections_per_source = 64;
  // Bytes of replies larger than 64 KiB written or waiting to be written, all
  // connections together; beyond it such a reply is 503 busy (node/http_server.h).
  std::size_t max_reply_bytes_in_flight = 64 << 20;
  // A request must arrive whole within this time, and a reply be read within it;
  // idle keep-alive ends after it.
  std::uint32_t request_timeout_ms = 30'000;
};

// Everything `lovebank-node run` needs.
struct RunConfig {
  NodeOptions node;
  HttpOptions http;
  std::string listen;               // peer-to-peer listener, HOST:PORT
  std::vector<std::string> peers;   // peers to dial, HOST:PORT
  bool peer_exchange = true;        // dial addresses that peers tell us about
  std::uint32_t sync_interval_ms = 2'000;  // anti-entropy period per outbound link
  std::size_t max_outbound = 8;
  std::uint32_t peer_idle_timeout_ms = 60'000;  // a peer silent this long is disconnected
  std::string log_level = "info";   // trace, debug, info, warn, error
};

// Reads a TOML settings file into `config` (keys it does not name keep their value).
// kInvalidArgument, naming the key or line, on anything it does not understand.
Status LoadConfigFile(const std::string& path, RunConfig& config);

// Parses "HOST:PORT" (HOST an IP address, the port 0 to 65535) into the HTTP address
// and port. kInvalidArgument with a message for the operator otherwise.
Status ParseApiAddress(const std::string& text, HttpOptions& http);
// The same checks for the peer-to-peer listen address; and for a peer to dial, whose
// host may be a name and whose port is 1 to 65535.
Status CheckListenAddress(const std::string& text);
Status CheckPeerAddress(const std::string& text);

// Paths inside a data directory.
std::string NodeKeyPath(const std::string& data_dir);
std::string NetworkKeyPath(const std::string& data_dir);
std::string GenesisPath(const std::string& data_dir);
std::string LedgerPath(const std::string& data_dir);
std::string DefaultConfigPath(const std::string& data_dir);

// Reads a 32-byte key stored as hex in a 0600 file (node key seed, network key).
Result<Bytes> ReadHexKeyFile(const std::string& path, std::string_view what);
// Writes one (never overwriting).
Status WriteHexKeyFile(const std::string& path, ByteView key, std::string_view what);

// The node's secret key from its data directory.
Result<crypto::SecretKey> ReadNodeKey(const std::string& data_dir);

}  // namespace lovebank::node
