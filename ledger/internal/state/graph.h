// The chain graph: every stored entry (connected or pending) as a Node, each author's
// chain of them by seq, and fork evidence. Owned by LedgerState::Impl (graph.cc); the
// other rule families read nodes through it and keep pointers to them in their own
// indexes. Private to ledger/internal/state/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <span>
#include <variant>
#include <vector>

#include "base/sum256.h"
#include "ledger/entry.h"

namespace lovebank::ledger::internal {

struct Chain;

struct Node {
  VerifiedEntry v;
  bool connected = false;
  bool on_path = false;    // on the canonical branch of a forked chain
  bool funded = false;     // debits only: inside the account's funded prefix
  Chain* chain = nullptr;  // the author's chain (unordered_map nodes never move)

  const Entry& e() const { return v.entry; }
  const EntryId& id() const { return v.id; }
  template <class K>
  const K* As() const {
    return std::get_if<K>(&v.entry.kind);
  }
};

// The stored entries of one chain (connected and pending, every branch), by seq;
// the entries at one seq (a fork) in the order they were stored. One pointer an
// entry: a std::map of vectors took about 120 bytes. Chains grow at the end, where
// Insert is an append; an entry arriving before its predecessors is inserted inside.
class SeqNodes {
 public:
  using const_iterator = std::vector<Node*>::const_iterator;

  // Adds `n`; returns how many entries its seq holds now.
  std::size_t Insert(Node* n) {
    const std::uint64_t seq = n->e().seq;
    auto at = nodes_.empty() || nodes_.back()->e().seq <= seq ? nodes_.end() : After(seq);
    nodes_.insert(at, n);
    return At(seq).size();
  }
  // Removes `n` (which must be here); returns how many entries its seq still holds.
  std::size_t Erase(const Node* n) {
    const std::uint64_t seq = n->e().seq;
    auto range = Range(seq);
    nodes_.erase(std::find(range.first, range.second, n));
    return At(seq).size();
  }
  std::span<Node* const> At(std::uint64_t seq) const {
    auto [first, last] = Range(seq);
    return {first, last};
  }
  // The first entry whose seq is above `seq`.
  const_iterator After(std::uint64_t seq) const {
    return std::upper_bound(nodes_.begin(), nodes_.end(), seq,
                            [](std::uint64_t s, const Node* n) { return s < n->e().seq; });
  }
  const_iterator begin() const { return nodes_.begin(); }
  const_iterator end() const { return nodes_.end(); }
  auto rbegin() const { return nodes_.rbegin(); }
  auto rend() const { return nodes_.rend(); }
  bool empty() const { return nodes_.empty(); }

 private:
  std::pair<const_iterator, const_iterator> Range(std::uint64_t seq) const {
    auto first = std::lower_bound(nodes_.begin(), nodes_.end(), seq,
                                  [](const Node* n, std::uint64_t s) { return n->e().seq < s; });
    auto last = first;
    while (last != nodes_.end() && (*last)->e().seq == seq) ++last;
    return {first, last};
  }
  std::vector<Node*> nodes_;
};

struct Chain {
  SeqNodes by_seq;
  std::set<std::uint64_t> fork_seqs;  // seqs holding two or more stored entries
  std::uint64_t head_seq = 0;         // highest connected seq
  std::uint64_t connected = 0;        // connected entries (all branches)
  Sum256 id_sum;                      // sum of their ids (ChainSummary)
  std::vector<Node*> debits;          // connected transfers and redemptions
};

// Kinds whose effect reaches beyond one account or item: they are settled by a full
// re-evaluation. Enrolments are here because membership decides who earns.
inline bool IsGovernance(const EntryKind& kind) {
  return std::holds_alternative<Genesis>(kind) || std::holds_alternative<Enrol>(kind) ||
         std::holds_alternative<RoleGrant>(kind) || std::holds_alternative<RoleRevoke>(kind) ||
         std::holds_alternative<NodeGrant>(kind) || std::holds_alternative<NodeRevoke>(kind) ||
         std::holds_alternative<KeyRotate>(kind) || std::holds_alternative<Recover>(kind) ||
         std::holds_alternative<Reversal>(kind) || std::holds_alternative<ForkResolution>(kind);
}

}  // namespace lovebank::ledger::internal
