// lovebank-node: the community node daemon. `lovebank-node --help` lists commands.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/keys.h"
#include "crypto/secret_file.h"
#include "i18n/cli_usage.h"
#include "i18n/i18n.h"
#include "ledger/export_file.h"
#include "ledger/ingest.h"
#include "ledger/store.h"
#include "node/config.h"
#include "node/http_api.h"
#include "node/node.h"
#include "node/p2p.h"

namespace {

using namespace lovebank;
using namespace lovebank::node;
using i18n::F;
using i18n::T;

// Exit codes (docs/cli.md "lovebank-node"): 0 done, 1 failed, 2 usage (flags,
// settings), 3 an import skipped entries that did not verify.
constexpr int kUsageError = 2;
constexpr int kImportSkipped = 3;

int Fail(const std::string& message, int code = 1) {
  std::cerr << "lovebank-node: " << message << "\n";
  return code;
}

int Init(const std::string& data, const std::string& genesis_path,
         const std::string& network_key_path) {
  auto genesis_bytes = ReadSmallFile(genesis_path, ledger::kMaxEnvelopeBytes, "genesis entry");
  if (!genesis_bytes) return Fail(genesis_bytes.error().message);
  auto genesis = ledger::VerifyEnvelope(ByteView(*genesis_bytes), std::nullopt);
  if (!genesis || !std::holds_alternative<ledger::Genesis>(genesis->entry.kind)) {
    return Fail(
        F("{} is not a signed genesis entry{}; use the genesis.entry written by "
          "`lovebank community found`",
          genesis_path, genesis ? std::string() : " (" + genesis.error().message + ")"));
  }
  auto network_key = ReadHexKeyFile(network_key_path, "network key");
  if (!network_key) return Fail(network_key.error().message);
  std::error_code ec;
  if (std::filesystem::exists(LedgerPath(data), ec)) {
    return Fail(F("{} already holds a node; use another --data directory", data));
  }
  std::filesystem::create_directories(data, ec);
  if (ec) return Fail(F("cannot create {}: {}", data, ec.message()));
  std::filesystem::permissions(data, std::filesystem::perms::owner_all, ec);
  auto key = crypto::SecretKey::Generate();
  if (auto s = WriteHexKeyFile(NodeKeyPath(data), key.seed(), "node key"); !s) {
    return Fail(s.error().message);
  }
  if (auto s = WriteHexKeyFile(NetworkKeyPath(data), *network_key, "network key"); !s) {
    return Fail(s.error().message);
  }
  if (auto s = crypto::WriteSecretFile(GenesisPath(data), *genesis_bytes, "genesis entry"); !s) {
    return Fail(s.error().message);
  }
  ledger::StoreOptions options;
  options.path = LedgerPath(data);
  auto store = ledger::Store::Create(options, *genesis);
  if (!store) return Fail(store.error().message);
  std::cout << ToHex(key.public_key()) << "\n";
  std::cerr << F(
      "node created for community '{}' in {}\nnode key printed above; an admin "
      "admits it with `lovebank node grant KEY`\n",
      std::get<ledger::Genesis>(genesis->entry.kind).community, data);
  return 0;
}

int Id(const std::string& data) {
  auto key = ReadNodeKey(data);
  if (!key) return Fail(F("{}; run `lovebank-node init` first", key.error().message));
  std::cout << ToHex(key->public_key()) << "\n";
  return 0;
}

int Rebuild(const std::string& data) {
  ledger::StoreOptions options;
  options.path = LedgerPath(data);
  auto store = ledger::Store::Open(options);
  if (!store) return Fail(store.error().message);
  std::cerr << F("rebuilding derived state from {} entries...\n",
                 (*store)->state().connected_count());
  auto hash = (*store)->Rebuild();
  if (!hash) return Fail(hash.error().message);
  std::cout << ToHex(*hash) << "\n";
  return 0;
}

// Seeds an initialised node (stopped) with the entries of an export file: each one's
// signature is checked on every core, as for entries from a peer.
int Import(const std::string& data, const std::string& file) {
  auto reader = ledger::ExportReader::Open(file);
  if (!reader) return Fail(reader.error().message);
  ledger::StoreOptions options;
  options.path = LedgerPath(data);
  auto store = ledger::Store::Open(options);
  if (!store) {
    return Fail(
        F("{}; create the node first with `lovebank-node init --data DIR --genesis "
          "genesis.entry --network-key network.key`, and stop it while importing",
          store.error().message));
  }
  const auto& header = (*reader)->header();
  if (header.network != (*store)->state().network()) {
    return Fail(F("{} is an export of community '{}' ({}); the node in {} keeps community {}", file,
                  header.community, ToHex(header.network).substr(0, 16), data,
                  ToHex((*store)->state().network()).substr(0, 16)));
  }
  // Read, verify and store a bounded chunk at a time: memory stays at about
  // kChunkBytes whatever the file holds, and garbage is found within one chunk.
  constexpr std::size_t kChunk = 4096;
  constexpr std::size_t kChunkBytes = 8 << 20;
  ledger::IngestStats total;
  auto last_report = std::chrono::steady_clock::now();
  for (;;) {
    std::vector<Bytes> envelopes;
    auto read = (*reader)->Next(envelopes, kChunk, kChunkBytes);
    auto stats = ledger::VerifyAndIngest(**store, std::move(envelopes), 4096, 0);
    if (!stats) return Fail(F("cannot store the imported entries: {}", stats.error().message));
    total.applied += stats->applied;
    total.pending += stats->pending;
    total.duplicate += stats->duplicate;
    total.invalid += stats->invalid;
    total.rejected += stats->rejected;
    if (!read) {
      return Fail(F("{}; {} entries before that point were imported", read.error().message,
                    total.applied + total.pending));
    }
    if ((*reader)->done()) break;
    if (std::chrono::steady_clock::now() - last_report > std::chrono::seconds(2)) {
      last_report = std::chrono::steady_clock::now();
      // Counts what was verified and stored, not what was merely read.
      std::cerr << F("checked {} entries ({:.0f}%): {} stored, {} refused\n", (*reader)->records(),
                     100.0 * static_cast<double>((*reader)->offset()) /
                         static_cast<double>(std::max<std::uint64_t>(1, (*reader)->file_bytes())),
                     total.applied + total.pending, total.rejected + total.invalid);
    }
  }
  std::cout << F(
      "read {} entries from {}: {} new, {} already here, {} waiting for their previous "
      "entry, {} refused\nstate hash {}\n",
      (*reader)->records(), file, total.applied, total.duplicate, total.pending,
      total.rejected + total.invalid, ToHex((*store)->state().StateHash()));
  if (total.rejected + total.invalid > 0) {
    return Fail(F("some entries did not verify and were not imported; `lovebank audit --file "
                  "{}` lists them",
                  file),
                kImportSkipped);
  }
  return 0;
}

volatile std::sig_atomic_t g_signal = 0;

int Run(RunConfig config) {
  if (auto level = spdlog::level::from_str(config.log_level); level != spdlog::level::off ||
                                                              config.log_level == "off") {
    spdlog::set_level(level);
  }
  spdlog::info("opening {}", config.node.data_dir);
  auto node = Node::Open(config.node);
  if (!node) return Fail(F("{} (is this a data directory made by init?)", node.error().message));
  // Peer-to-peer: only when there is somewhere to listen or someone to dial.
  std::optional<crypto::SecretKey> node_key;
  std::unique_ptr<PeerLink> link;
  std::unique_ptr<net::PeerManager> peers;
  if (!config.listen.empty() || !config.peers.empty()) {
    auto key = ReadNodeKey(config.node.data_dir);
    if (!key) return Fail(key.error().message);
    node_key.emplace(std::move(*key));
    auto network_key = ReadHexKeyFile(NetworkKeyPath(config.node.data_dir), "network key");
    if (!network_key) return Fail(network_key.error().message);
    link = std::make_unique<PeerLink>(**node);
    peers = std::make_unique<net::PeerManager>(*link, *node_key,
                                               *net::NetworkKey::FromView(*network_key),
                                               PeerOptionsFor(config));
    (*node)->SetStoredListener(
        [manager = peers.get()](std::uint64_t origin, std::vector<Bytes> envelopes,
                                std::size_t urgent) {
          manager->Gossip(origin, std::move(envelopes), urgent);
        });
  }
  HttpApi api(**node, config.http);
  api.SetPeers(peers.get());
  auto port = api.Start();
  if (!port) return Fail(port.error().message);
  if (peers) {
    auto p2p_port = peers->Start();
    if (!p2p_port) return Fail(p2p_port.error().message);
    spdlog::info("node key {} · peers: listening on {} · dialing {}",
                 ToHex(node_key->public_key()).substr(0, 16),
                 config.listen.empty() ? "(none)" : peers->options().listen,
                 config.peers.empty() ? "(none)" : fmt::format("{}", fmt::join(config.peers, ", ")));
    if (!config.listen.empty()) std::cout << "p2p listening on " << peers->options().listen << std::endl;
  }
  spdlog::info("community {} · {} entries · API on http://{}:{}",
               ToHex((*node)->network()).substr(0, 16),
               (*node)->Read([](const auto& state, const auto&) {
                 return state.connected_count();
               }),
               config.http.address, *port);
  // The machine-readable line tests and scripts wait for.
  std::cout << "api listening on " << config.http.address << ":" << *port << std::endl;
  std::signal(SIGINT, [](int s) { g_signal = s; });
  std::signal(SIGTERM, [](int s) { g_signal = s; });
  while (g_signal == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  spdlog::info("stopping (signal {})", static_cast<int>(g_signal));
  api.Stop();
  if (peers) peers->Stop();
  (*node)->Stop();
  node->reset();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  lovebank::crypto::InitCrypto();
  // The log goes to stderr; stdout carries only the lines scripts read.
  spdlog::set_default_logger(spdlog::stderr_color_mt("lovebank-node"));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  i18n::SetProcessLang(lovebank::cli::ChooseLanguage(args));
  CLI::App app{T("lovebank-node: a community node of the Lovebank ledger"), "lovebank-node"};
  lovebank::cli::TranslateHelp(app);
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("lovebank-node ") + LOVEBANK_VERSION,
                       T("print the version and exit"));
  std::string lang_option;
  app.add_option("--lang", lang_option, T("language: zh-CN or en (default: from LANG)"));
  std::string data;

  auto* init = app.add_subcommand("init", T("create the node key and ledger for a community"));
  std::string genesis, network_key;
  init->add_option("--data", data, T("data directory to create"))->required();
  init->add_option("--genesis", genesis, T("genesis.entry written by `lovebank community found`"))
      ->required();
  init->add_option("--network-key", network_key, T("network.key of the community"))->required();

  auto* id = app.add_subcommand("id", T("print this node's public key"));
  id->add_option("--data", data, T("data directory"))->required();

  auto* rebuild = app.add_subcommand("rebuild", T("rebuild derived state; print the state hash"));
  rebuild->add_option("--data", data, T("data directory"))->required();

  auto* import = app.add_subcommand(
      "import", T("seed a stopped node with the entries of an export file (`lovebank export`)"));
  std::string import_file;
  import->add_option("--data", data, T("data directory of a node made with `init`"))->required();
  import->add_option("FILE", import_file, T("the export file"))->required();

  auto* run = app.add_subcommand("run", T("run the node until SIGINT or SIGTERM"));
  RunConfig config;
  std::string api_address, config_path;
  std::vector<std::string> peers;
  std::string listen;
  unsigned http_threads = 0;
  run->add_option("--data", data, T("data directory"))->required();
  run->add_option("--api", api_address, T("HTTP API address (default 127.0.0.1:7700)"));
  run->add_option("--listen", listen, T("peer-to-peer listen address HOST:PORT"));
  run->add_option("--peer", peers, T("a peer to connect to, HOST:PORT (repeatable)"));
  bool no_peer_exchange = false;
  unsigned sync_interval_ms = 0;
  run->add_flag("--no-peer-exchange", no_peer_exchange,
                T("dial only the --peer addresses, not those peers tell about"));
  run->add_option("--sync-interval-ms", sync_interval_ms, T("anti-entropy period (default 2000)"));
  run->add_option("--config", config_path, T("TOML settings (default DATA/node.toml if present)"));
  run->add_option("--http-threads", http_threads, T("threads serving the API"));
  run->add_option("--offline-limit", config.node.offline_limit_points,
                  T("points per volunteer fulfilled on vouchers not yet provable"));
  run->add_option("--log-level", config.log_level, T("trace, debug, info, warn or error"));

  lovebank::cli::GroupCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors exit 2 (docs/cli.md), whatever CLI11's own number for them. A wrong
    // command is named with what was meant.
    if (auto message = lovebank::cli::ExplainMisstep(app, args, "lovebank-node --help")) {
      std::cerr << "lovebank-node: " << *message << "\n";
    } else {
      std::cerr << "lovebank-node: " << lovebank::cli::DescribeParseError(e) << "\n"
                << T("Run `lovebank-node --help` (or `lovebank-node COMMAND --help`) for "
                     "usage.\n");
    }
    return kUsageError;
  }

  if (*init) return Init(data, genesis, network_key);
  if (*id) return Id(data);
  if (*rebuild) return Rebuild(data);
  if (*import) return Import(data, import_file);
  // run: the config file first, then flags over it.
  RunConfig file_config;
  std::string path = config_path.empty() ? DefaultConfigPath(data) : config_path;
  if (!config_path.empty() || std::filesystem::exists(path)) {
    if (auto s = LoadConfigFile(path, file_config); !s) return Fail(s.error().message, kUsageError);
  }
  if (run->count("--offline-limit")) {
    file_config.node.offline_limit_points = config.node.offline_limit_points;
  }
  if (run->count("--log-level")) file_config.log_level = config.log_level;
  if (!api_address.empty()) {
    if (auto s = ParseApiAddress(api_address, file_config.http); !s) {
      return Fail(s.error().message, kUsageError);
    }
  }
  if (!listen.empty()) {
    if (auto s = CheckListenAddress(listen); !s) return Fail(s.error().message, kUsageError);
    file_config.listen = listen;
  }
  for (const auto& peer : peers) {
    if (auto s = CheckPeerAddress(peer); !s) return Fail(s.error().message, kUsageError);
  }
  if (!peers.empty()) file_config.peers = peers;
  if (http_threads > 0) file_config.http.threads = http_threads;
  if (no_peer_exchange) file_config.peer_exchange = false;
  if (sync_interval_ms > 0) file_config.sync_interval_ms = sync_interval_ms;
  file_config.node.data_dir = data;
  return Run(std::move(file_config));
}
