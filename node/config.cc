#include "node/config.h"

#include <toml++/toml.h>

#include <optional>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/secret_file.h"
#include "net/address.h"

namespace lovebank::node {
namespace {

// A settings file is a few hundred bytes.
constexpr std::size_t kMaxConfigBytes = 1 << 20;

Error Invalid(const std::string& path, const std::string& what) {
  return Error{ErrorCode::kInvalidArgument, path + ": " + what};
}

template <class T>
Status ReadInteger(const toml::table& table, std::string_view key, const std::string& path,
                   T& out, std::int64_t min, std::int64_t max) {
  const toml::node* node = table.get(key);
  if (!node) return OkStatus();
  auto value = node->value<std::int64_t>();
  if (!value || *value < min || *value > max) {
    return Invalid(path, std::string(key) + " must be a whole number from " +
                             std::to_string(min) + " to " + std::to_string(max));
  }
  out = static_cast<T>(*value);
  return OkStatus();
}

// A setting that must be a string, if present.
Status ReadString(const toml::table& table, std::string_view key, const std::string& path,
                  std::optional<std::string>& out) {
  const toml::node* node = table.get(key);
  if (!node) return OkStatus();
  auto value = node->value<std::string>();
  if (!value) {
    return Invalid(path, std::string(key) + " must be a string in quotes, e.g. " +
                             std::string(key) + " = \"127.0.0.1:7700\"");
  }
  out = std::move(*value);
  return OkStatus();
}

}  // namespace

Status ParseApiAddress(const std::string& text, HttpOptions& http) {
  std::string problem;
  auto parsed = net::ParseListenAddress(text, "the API address", &problem);
  if (!parsed) return MakeError(ErrorCode::kInvalidArgument, problem);
  http.address = parsed->host;
  http.port = parsed->port;
  return OkStatus();
}

Status CheckListenAddress(const std::string& text) {
  std::string problem;
  if (!net::ParseListenAddress(text, "the peer-to-peer address (--listen)", &problem)) {
    return MakeError(ErrorCode::kInvalidArgument, problem);
  }
  return OkStatus();
}

Status CheckPeerAddress(const std::string& text) {
  auto parsed = net::ParseHostPort(text);
  if (!parsed || parsed->port == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the peer address '" + text +
                         "' must be HOST:PORT with a port from 1 to 65535, e.g. 192.168.1.20:7800");
  }
  return OkStatus();
}

Status LoadConfigFile(const std::string& path, RunConfig& config) {
  // Read through the file seam: a FIFO or a huge file is refused, not waited on.
  auto text = ReadSmallFile(path, kMaxConfigBytes, "settings file");
  if (!text) return text.error();
  toml::table table;
  try {
    table = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    return Invalid(path, std::string("line ") + std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
  }
  static constexpr std::string_view kKnown[] = {
      "api", "listen", "peers", "log_level", "max_clock_skew_seconds", "offline_limit_points",
      "http_threads", "max_batch_entries", "peer_exchange", "sync_interval_ms", "max_outbound",
      "min_free_mb", "max_pending_entries", "max_http_connections", "http_request_timeout_ms",
      "peer_idle_timeout_ms", "max_http_connections_per_source",
      "max_http_reply_bytes_in_flight", "store_memory_mb"};
  for (const auto& [key, value] : table) {
    bool known = false;
    for (auto k : kKnown) known = known || key.str() == k;
    if (!known) return Invalid(path, "unknown setting '" + std::string(key.str()) + "'");
  }
  std::optional<std::string> api, listen, level;
  for (auto [key, out] : {std::pair{"api", &api}, {"listen", &listen}, {"log_level", &level}}) {
    if (auto s = ReadString(table, key, path, *out); !s) return s;
  }
  if (api) {
    if (auto s = ParseApiAddress(*api, config.http); !s) return Invalid(path, s.error().message);
  }
  if (listen) {
    if (auto s = CheckListenAddress(*listen); !s) return Invalid(path, s.error().message);
    config.listen = *listen;
  }
  if (level) config.log_level = *level;
  if (const toml::node* peers = table.get("peers")) {
    const auto* list = peers->as_array();
    if (!list) return Invalid(path, "peers must be a list of \"HOST:PORT\" strings");
    for (const auto& p : *list) {
      auto s = p.value<std::string>();
      if (!s) return Invalid(path, "peers must be a list of \"HOST:PORT\" strings");
      if (auto c = CheckPeerAddress(*s); !c) return Invalid(path, c.error().message);
      config.peers.push_back(*s);
    }
  }
  if (auto node = table["peer_exchange"]; node) {
    auto exchange = node.value<bool>();
    if (!exchange) return Invalid(path, "peer_exchange must be true or false");
    config.peer_exchange = *exchange;
  }
  if (auto s = ReadInteger(table, "sync_interval_ms", path, config.sync_interval_ms, 100, 600'000);
      !s) {
    return s;
  }
  if (auto s = ReadInteger(table, "max_outbound", path, config.max_outbound, 1, 64); !s) return s;
  if (auto s = ReadInteger(table, "peer_idle_timeout_ms", path, config.peer_idle_timeout_ms, 1'000,
                           3'600'000);
      !s) {
    return s;
  }
  std::int64_t skew_s = config.node.max_clock_skew_ms / 1000;
  if (auto s = ReadInteger(table, "max_clock_skew_seconds", path, skew_s, 1, 7 * 86400); !s) {
    return s;
  }
  config.node.max_clock_skew_ms = skew_s * 1000;
  if (auto s = ReadInteger(table, "offline_limit_points", path, config.node.offline_limit_points,
                           0, 1'000'000'000);
      !s) {
    return s;
  }
  if (auto s = ReadInteger(table, "http_threads", path, config.http.threads, 1, 64); !s) return s;
  if (auto s = ReadInteger(table, "max_batch_entries", path, config.node.max_batch_entries, 1,
                           100'000);
      !s) {
    return s;
  }
  std::uint64_t store_memory_mb = config.node.store_memory_bytes / (1024 * 1024);
  if (auto s = ReadInteger(table, "store_memory_mb", path, store_memory_mb, 8, 1'000'000); !s) {
    return s;
  }
  config.node.store_memory_bytes = store_memory_mb * 1024 * 1024;
  std::uint64_t min_free_mb = config.node.min_free_bytes / (1024 * 1024);
  if (auto s = ReadInteger(table, "min_free_mb", path, min_free_mb, 0, 1'000'000); !s) return s;
  config.node.min_free_bytes = min_free_mb * 1024 * 1024;
  if (auto s = ReadInteger(table, "max_pending_entries", path, config.node.max_pending_entries, 0,
                           100'000'000);
      !s) {
    return s;
  }
  if (auto s = ReadInteger(table, "max_http_connections", path, config.http.max_connections, 1,
                           100'000);
      !s) {
    return s;
  }
  if (auto s = ReadInteger(table, "max_http_connections_per_source", path,
                           config.http.max_connections_per_source, 1, 100'000);
      !s) {
    return s;
  }
  if (auto s = ReadInteger(table, "max_http_reply_bytes_in_flight", path,
                           config.http.max_reply_bytes_in_flight, 65'536, 16'000'000'000);
      !s) {
    return s;
  }
  if (auto s = ReadInteger(table, "http_request_timeout_ms", path, config.http.request_timeout_ms,
                           100, 600'000);
      !s) {
    return s;
  }
  return OkStatus();
}

std::string NodeKeyPath(const std::string& dir) { return dir + "/node.key"; }
std::string NetworkKeyPath(const std::string& dir) { return dir + "/network.key"; }
std::string GenesisPath(const std::string& dir) { return dir + "/genesis.entry"; }
std::string LedgerPath(const std::string& dir) { return dir + "/ledger"; }
std::string DefaultConfigPath(const std::string& dir) { return dir + "/node.toml"; }

Result<Bytes> ReadHexKeyFile(const std::string& path, std::string_view what) {
  auto text = crypto::ReadSecretFile(path, 128, what);
  if (!text) return text.error();
  std::string_view hex(*text);
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.remove_suffix(1);
  auto key = FromHex(hex);
  if (!key || key->size() != 32) {
    return MakeError(ErrorCode::kDataLoss,
                     "the " + std::string(what) + " " + path + " is not 64 hex digits");
  }
  return *key;
}

Status WriteHexKeyFile(const std::string& path, ByteView key, std::string_view what) {
  return crypto::WriteSecretFile(path, ToHex(key) + "\n", what);
}

Result<crypto::SecretKey> ReadNodeKey(const std::string& data_dir) {
  auto seed = ReadHexKeyFile(NodeKeyPath(data_dir), "node key");
  if (!seed) return seed.error();
  return crypto::SecretKey::FromSeed(*seed);
}

}  // namespace lovebank::node
