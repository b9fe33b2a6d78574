// Joins a Node to the peer-to-peer layer: the node's ledger as net::LedgerAccess, and
// the node's stored entries as gossip for net::PeerManager.
#pragma once

#include <memory>

#include "base/result.h"
#include "net/peers.h"
#include "node/config.h"
#include "node/node.h"

namespace lovebank::node {

class PeerLink : public net::LedgerAccess {
 public:
  explicit PeerLink(Node& node) : node_(node) {}

  ledger::NetworkId network() const override { return node_.network(); }
  void ReadIndex(const std::function<void(const net::SyncIndex&)>& read) const override;
  Result<std::vector<std::pair<std::uint64_t, Bytes>>> Chain(const ledger::PublicKey& author,
                                                             std::uint64_t from_seq,
                                                             std::size_t limit) const override;
  std::vector<bool> Has(const std::vector<ledger::EntryId>& ids) const override;
  bool OnRoster(const ledger::PublicKey& node) const override;
  void Store(std::uint64_t origin, std::vector<ledger::VerifiedEntry> entries, bool forward,
             std::function<void(Status)> done) override;

 private:
  Node& node_;
};

// The peer options of a run configuration.
net::PeerOptions PeerOptionsFor(const RunConfig& config);

}  // namespace lovebank::node
