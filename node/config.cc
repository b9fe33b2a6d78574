#include "node/config.h"

#include <toml++/toml.h>

#include <charconv>

#include "base/hex.h"
#include "crypto/secret_file.h"

namespace lovebank::node {
namespace {

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

}  // namespace

Status ParseApiAddress(const std::string& text, HttpOptions& http) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the API address '" + text + "' must be HOST:PORT, e.g. 127.0.0.1:7700");
  }
  unsigned port = 0;
  auto digits = std::string_view(text).substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port > 65535) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the port in '" + text + "' must be a number from 0 to 65535");
  }
  http.address = text.substr(0, colon);
  http.port = static_cast<std::uint16_t>(port);
  return OkStatus();
}

Status LoadConfigFile(const std::string& path, RunConfig& config) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Invalid(path, std::string("line ") + std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
  }
  static constexpr std::string_view kKnown[] = {
      "api", "listen", "peers", "log_level", "max_clock_skew_seconds", "offline_limit_points",
      "http_threads", "max_batch_entries", "peer_exchange", "sync_interval_ms", "max_outbound",
      "min_free_mb", "max_pending_entries", "max_http_connections", "http_request_timeout_ms",
      "peer_idle_timeout_ms"};
  for (const auto& [key, value] : table) {
    bool known = false;
    for (auto k : kKnown) known = known || key.str() == k;
    if (!known) return Invalid(path, "unknown setting '" + std::string(key.str()) + "'");
  }
  if (auto api = table["api"].value<std::string>()) {
    if (auto s = ParseApiAddress(*api, config.http); !s) return Invalid(path, s.error().message);
  }
  if (auto listen = table["listen"].value<std::string>()) config.listen = *listen;
  if (auto level = table["log_level"].value<std::string>()) config.log_level = *level;
  if (const auto* peers = table["peers"].as_array()) {
    for (const auto& p : *peers) {
      auto s = p.value<std::string>();
      if (!s) return Invalid(path, "peers must be a list of \"HOST:PORT\" strings");
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
