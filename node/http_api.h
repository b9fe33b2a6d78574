// The node's HTTP/JSON API (Boost.Beast, C++20 coroutines): what wallets, scripts and
// curl use. docs/api.md describes every endpoint, its JSON and its errors.
//
// The transport and its bounds live in node/http_server.h; this file holds the routes.
// Signatures of submitted entries are verified on the HTTP threads (they are the
// parallel part); the node's ingest thread does the rest.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "node/config.h"
#include "net/peers.h"
#include "node/node.h"

namespace lovebank::node {

class HttpApi {
 public:
  HttpApi(Node& node, const HttpOptions& options);
  ~HttpApi();  // stops and joins the threads
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds the address and starts options.threads threads serving it. Returns the bound
  // port (useful with port 0). kUnavailable if the address cannot be bound.
  Result<std::uint16_t> Start();
  // Stops accepting, ends open connections, joins the threads. Idempotent.
  void Stop();
  // Shows `peers` in /v1/status and /metrics. Call before Start(); may be null.
  void SetPeers(const net::PeerManager* peers);

  // The whole request path without a socket: the bytes parsed with the server's limits
  // (node/http_server.h ParseHttpRequest), routed, answered by the same handlers, and
  // the reply serialized as it would be written. Blocks until the node answers (a
  // submission waits for the ingest thread). For the fuzz target and tests; works
  // whether or not Start() was called.
  std::string AnswerNow(std::string_view request_bytes);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lovebank::node
