// The node's HTTP/JSON API (Boost.Beast, C++20 coroutines): what wallets, scripts and
// curl use. docs/api.md describes every endpoint, its JSON and its errors.
//
// Bounded on every side: request header and body sizes, a deadline for each request,
// a cap on open connections. Signatures of submitted entries are verified on the
// HTTP threads (they are the parallel part); the node's ingest thread does the rest.
#pragma once

#include <cstdint>
#include <memory>

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

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lovebank::node
