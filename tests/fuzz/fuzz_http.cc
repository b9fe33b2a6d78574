// The whole HTTP request path of the node's API: any bytes are parsed with the
// server's own limits (Beast's parser), routed and answered by the same handlers over
// a real node (RocksDB in a temp folder), and the reply serialized, as a connection
// would. Every reply is HTTP with a status from 200 to 599; nothing crashes, nothing
// hangs, and a 5xx only ever means "busy" or "storage", never a handler's failure.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "crypto/keys.h"
#include "crypto/signing.h"
#include "ledger/store.h"
#include "node/config.h"
#include "node/http_api.h"
#include "node/node.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

namespace {

struct World {
  std::string dir;
  std::unique_ptr<node::Node> node;
  std::unique_ptr<node::HttpApi> api;
};

// One node for the whole run: a community whose genesis admin key is fixed, so that
// corpus inputs may carry entries it signed.
World& TheWorld() {
  static World* world = [] {
    crypto::InitCrypto();
    auto* w = new World;
    w->dir = (std::filesystem::temp_directory_path() /
              ("lovebank-fuzz-http-" + std::to_string(::getpid())))
                 .string();
    std::filesystem::remove_all(w->dir);
    std::filesystem::create_directories(w->dir);
    auto admin = crypto::SecretKey::FromSeed(Bytes(32, '\x07'));
    ledger::Entry e;
    e.author = admin.public_key();
    e.seq = 1;
    e.timestamp_ms = 1'768'867'200'000;
    ledger::Genesis g;
    g.community = "Fuzz Street";
    g.admins.push_back(admin.public_key());
    g.policy.categories = {{"care", 10}};
    e.kind = g;
    auto genesis = ledger::SignEntry(e, admin);
    ledger::StoreOptions store;
    store.path = node::LedgerPath(w->dir);
    store.sync = false;
    fuzz::Require(ledger::Store::Create(store, genesis).has_value(), "the store is created");
    node::NodeOptions options;
    options.data_dir = w->dir;
    options.sync = false;
    auto opened = node::Node::Open(options);
    fuzz::Require(opened.has_value(), "the node opens");
    w->node = std::move(*opened);
    node::HttpOptions http;
    http.max_body_bytes = 64 * 1024;
    w->api = std::make_unique<node::HttpApi>(*w->node, http);
    std::atexit([] { std::filesystem::remove_all(TheWorld().dir); });
    return w;
  }();
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = TheWorld();
  std::string reply = w.api->AnswerNow(fuzz::View(data, size));
  fuzz::Require(reply.rfind("HTTP/1.1 ", 0) == 0 && reply.size() >= 12, "an HTTP reply");
  int status = std::atoi(reply.c_str() + 9);
  fuzz::Require(status >= 200 && status <= 599, "a status from 200 to 599");
  fuzz::Require(status != 500, "no handler fails on any input");
  return 0;
}
