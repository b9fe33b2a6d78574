#include "node/p2p.h"

#include <algorithm>

namespace lovebank::node {

void PeerLink::ReadIndex(const std::function<void(const net::SyncIndex&)>& read) const {
  node_.ReadSync([&](const net::SyncIndex& index, const ledger::Store&) { read(index); });
}

Result<std::vector<std::pair<std::uint64_t, Bytes>>> PeerLink::Chain(
    const ledger::PublicKey& author, std::uint64_t from_seq, std::size_t limit) const {
  return node_.ReadSync([&](const net::SyncIndex&, const ledger::Store& store) {
    return store.ChainEntries(author, from_seq, limit);
  });
}

std::vector<bool> PeerLink::Has(const std::vector<ledger::EntryId>& ids) const {
  return node_.Read([&](const ledger::LedgerState& state, const auto&) {
    std::vector<bool> out(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) out[i] = state.Find(ids[i]) != nullptr;
    return out;
  });
}

bool PeerLink::OnRoster(const ledger::PublicKey& key) const {
  return node_.Read([&](const ledger::LedgerState& state, const auto&) {
    auto roster = state.NodeRoster();
    return std::find(roster.begin(), roster.end(), key) != roster.end();
  });
}

void PeerLink::Store(std::uint64_t origin, std::vector<ledger::VerifiedEntry> entries,
                     bool forward, std::function<void(Status)> done) {
  Submission submission;
  submission.source = Source::kPeer;
  submission.entries = std::move(entries);
  submission.origin = origin;
  submission.forward = forward;
  node_.Submit(std::move(submission), [done = std::move(done)](SubmitResult result) {
    if (result) {
      done(OkStatus());
    } else {
      done(Error{ErrorCode::kUnavailable, result.error().message});
    }
  });
}

net::PeerOptions PeerOptionsFor(const RunConfig& config) {
  net::PeerOptions options;
  options.listen = config.listen;
  options.peers = config.peers;
  options.peer_exchange = config.peer_exchange;
  options.sync_interval_ms = config.sync_interval_ms;
  options.max_outbound = config.max_outbound;
  options.idle_timeout_ms = config.peer_idle_timeout_ms;
  return options;
}

}  // namespace lovebank::node
