// GET /metrics: the node's counters in the Prometheus text format (ledger, ingest,
// refusals by code, the HTTP transport's bounds, peers). Names and meanings are listed
// in docs/api.md.
#pragma once

#include <string>

#include "net/peers.h"
#include "node/http_server.h"
#include "node/node.h"

namespace lovebank::node {

// `peers` may be null (a node without peer-to-peer).
std::string MetricsText(Node& node, HttpServer& server, const net::PeerManager* peers);

}  // namespace lovebank::node
