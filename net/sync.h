// Anti-entropy between two nodes, as pure functions over a SyncIndex.
//
// The index keeps, for every author, the summary of their connected chain (head seq,
// entry count, sum of entry ids) in a 16-ary trie over the author keys; each trie
// node holds the sums of everything under it, updated in place as entries arrive.
//   - In sync: one Probe carrying the root digest (32 bytes) and one ProbeReply
//     saying "in sync": one round trip, the same few dozen bytes at any size.
//   - Not in sync: the driver walks down only the trie nodes whose salted 2-byte
//     child fingerprints differ, so finding d differing authors among n costs about
//     d * log16(n) small messages' worth; at the bottom, leaves (author prefix, head
//     seq, count, fingerprint) say exactly which seqs each side lacks.
//   - Then the driver asks for what it lacks (Want: author, from seq) and pushes what
//     the other lacks; both travel as ordinary Entries frames.
// Fingerprints are salted per round by the responder, so a chance collision of the
// short fingerprints hides a difference for one round only; the driver probes again
// after each round and repeats until the roots agree.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "base/sum256.h"
#include "crypto/hashing.h"
#include "ledger/entry.h"
#include "ledger/state.h"
#include "net/messages.h"

namespace lovebank::net {

// A node's trie node answers with leaves when it holds at most this many authors.
inline constexpr std::size_t kLeafThreshold = 4;
// And never with more leaves than this in one node (the rest is found deeper).
inline constexpr std::size_t kMaxLeavesPerNode = 8192;
// A reply stops adding nodes past this many bytes; the rest are asked again.
inline constexpr std::size_t kMaxReplyBytes = 512 * 1024;

class SyncIndex {
 public:
  struct Aggregate {
    std::uint64_t count = 0;   // connected entries
    Sum256 sum;                // sum of their ids
    std::uint64_t authors = 0;
  };

  SyncIndex();
  // Sets `author`'s chain summary (replacing the old one).
  void Set(const ledger::PublicKey& author, const ledger::ChainSummary& summary);
  void Clear();

  // BLAKE2b-256 over the count and id sum of every connected entry.
  crypto::Digest Root() const;
  std::uint64_t count() const { return levels_[0][0].count; }
  std::size_t authors() const { return chains_.size(); }

  Aggregate At(const Prefix& prefix) const;
  // The chains under `prefix`, by key.
  std::vector<std::pair<ledger::PublicKey, ledger::ChainSummary>> Chains(const Prefix& prefix,
                                                                         std::size_t limit) const;
  // The author whose key starts with `prefix` (the first, should two share it).
  std::optional<ledger::PublicKey> Resolve(const AuthorPrefix& prefix) const;

 private:
  static constexpr std::size_t kIndexedDepth = 3;  // levels 0..3 kept as arrays
  static std::size_t Slot(const Prefix& prefix);
  void Apply(const ledger::PublicKey& author, const ledger::ChainSummary& summary, bool remove);

  std::map<ledger::PublicKey, ledger::ChainSummary> chains_;
  std::array<std::vector<Aggregate>, kIndexedDepth + 1> levels_;
};

AuthorPrefix PrefixOf(const ledger::PublicKey& author);

// Salted fingerprints. 0 is reserved for an empty node.
std::uint16_t NodeFingerprint(const SyncIndex::Aggregate& aggregate, std::uint64_t salt);
std::uint32_t LeafFingerprint(const ledger::ChainSummary& summary, std::uint64_t salt);

// Responder side.
ProbeReply AnswerProbe(const SyncIndex& index, const Probe& probe, std::uint64_t salt);
DescendReply AnswerDescend(const SyncIndex& index, const Descend& descend);

// Driver side: what to do after seeing the responder's view of some nodes.
struct SyncPlan {
  std::vector<NodeRequest> descend;  // nodes to look into next round
  std::vector<Want> wants;           // ranges to ask for
  // Ranges of this node's own chains to push: author, from seq.
  std::vector<std::pair<ledger::PublicKey, std::uint64_t>> pushes;
};
void Compare(const SyncIndex& mine, const NodeView& theirs, std::uint64_t salt, SyncPlan& plan);

}  // namespace lovebank::net
