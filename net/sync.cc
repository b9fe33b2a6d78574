#include "net/sync.h"

#include <cstring>

namespace lovebank::net {
namespace {

using ledger::ChainSummary;
using ledger::PublicKey;

void AppendLe64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

crypto::Digest Digest(ByteView label, std::uint64_t salt, std::uint64_t count, const Sum256& sum) {
  Bytes data(label);
  AppendLe64(data, salt);
  AppendLe64(data, count);
  auto bytes = sum.Bytes32();
  data.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return crypto::Blake2b256(data);
}

PublicKey LowerBound(const Prefix& prefix) {
  PublicKey key;
  std::memcpy(key.data(), prefix.nibbles.data(), prefix.nibbles.size());
  return key;
}

std::size_t LeafBytes() { return kAuthorPrefixBytes + 24; }

}  // namespace

AuthorPrefix PrefixOf(const PublicKey& author) {
  AuthorPrefix out;
  std::memcpy(out.data(), author.data(), out.size());
  return out;
}

SyncIndex::SyncIndex() { Clear(); }

void SyncIndex::Clear() {
  chains_.clear();
  for (std::size_t d = 0; d <= kIndexedDepth; ++d) {
    levels_[d].assign(std::size_t{1} << (4 * d), Aggregate{});
  }
}

std::size_t SyncIndex::Slot(const Prefix& prefix) {
  std::size_t slot = 0;
  for (std::size_t i = 0; i < prefix.depth; ++i) slot = slot * 16 + prefix.Nibble(i);
  return slot;
}

void SyncIndex::Apply(const PublicKey& author, const ChainSummary& summary, bool remove) {
  Prefix prefix;
  AuthorPrefix key = PrefixOf(author);
  for (std::size_t d = 0; d <= kIndexedDepth; ++d) {
    if (d > 0) {
      std::size_t i = d - 1;
      prefix = prefix.Child(static_cast<std::uint8_t>((key[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF));
    }
    Aggregate& a = levels_[d][Slot(prefix)];
    if (remove) {
      a.count -= summary.count;
      a.sum.Subtract(summary.id_sum);
      a.authors -= 1;
    } else {
      a.count += summary.count;
      a.sum.Add(summary.id_sum);
      a.authors += 1;
    }
  }
}

void SyncIndex::Set(const PublicKey& author, const ChainSummary& summary) {
  auto it = chains_.find(author);
  if (it != chains_.end()) {
    if (it->second == summary) return;
    Apply(author, it->second, true);
    if (summary.count == 0) {
      chains_.erase(it);
      return;
    }
    it->second = summary;
  } else {
    if (summary.count == 0) return;
    chains_.emplace(author, summary);
  }
  Apply(author, summary, false);
}

crypto::Digest SyncIndex::Root() const {
  const Aggregate& a = levels_[0][0];
  return Digest("lovebank/sync/root", 0, a.count, a.sum);
}

SyncIndex::Aggregate SyncIndex::At(const Prefix& prefix) const {
  if (prefix.depth <= kIndexedDepth) return levels_[prefix.depth][Slot(prefix)];
  Aggregate out;
  for (auto it = chains_.lower_bound(LowerBound(prefix));
       it != chains_.end() && prefix.Covers(PrefixOf(it->first)); ++it) {
    out.count += it->second.count;
    out.sum.Add(it->second.id_sum);
    out.authors += 1;
  }
  return out;
}

std::vector<std::pair<PublicKey, ChainSummary>> SyncIndex::Chains(const Prefix& prefix,
                                                                  std::size_t limit) const {
  std::vector<std::pair<PublicKey, ChainSummary>> out;
  for (auto it = chains_.lower_bound(LowerBound(prefix));
       it != chains_.end() && prefix.Covers(PrefixOf(it->first)) && out.size() < limit; ++it) {
    out.emplace_back(it->first, it->second);
  }
  return out;
}

std::optional<PublicKey> SyncIndex::Resolve(const AuthorPrefix& prefix) const {
  PublicKey lower;
  std::memcpy(lower.data(), prefix.data(), prefix.size());
  auto it = chains_.lower_bound(lower);
  if (it == chains_.end() || PrefixOf(it->first) != prefix) return std::nullopt;
  return it->first;
}

std::uint16_t NodeFingerprint(const SyncIndex::Aggregate& aggregate, std::uint64_t salt) {
  if (aggregate.authors == 0) return 0;
  auto d = Digest("lovebank/sync/node", salt, aggregate.count, aggregate.sum);
  std::uint16_t fp = static_cast<std::uint16_t>(d.data()[0] | (d.data()[1] << 8));
  return fp == 0 ? 1 : fp;
}

std::uint32_t LeafFingerprint(const ChainSummary& summary, std::uint64_t salt) {
  auto d = Digest("lovebank/sync/leaf", salt, summary.count, summary.id_sum);
  std::uint32_t fp = 0;
  for (int i = 3; i >= 0; --i) fp = (fp << 8) | d.data()[i];
  return fp;
}

namespace {

NodeView ViewOf(const SyncIndex& index, const Prefix& prefix, bool leaves_wanted,
                std::uint64_t salt) {
  NodeView view;
  view.prefix = prefix;
  SyncIndex::Aggregate here = index.At(prefix);
  bool leaves = here.authors <= kLeafThreshold || prefix.depth >= kMaxPrefixDepth ||
                (leaves_wanted && here.authors <= kMaxLeavesPerNode);
  if (leaves) {
    view.is_leaves = true;
    for (const auto& [author, summary] : index.Chains(prefix, kMaxLeavesPerNode)) {
      view.leaves.push_back(
          Leaf{PrefixOf(author), summary.head_seq, summary.count, LeafFingerprint(summary, salt)});
    }
    return view;
  }
  for (std::uint8_t c = 0; c < kChildren; ++c) {
    std::uint16_t fp = NodeFingerprint(index.At(prefix.Child(c)), salt);
    view.children[c * 2] = static_cast<std::uint8_t>(fp & 0xFF);
    view.children[c * 2 + 1] = static_cast<std::uint8_t>(fp >> 8);
  }
  return view;
}

std::size_t ViewBytes(const NodeView& view) {
  return 24 + (view.is_leaves ? view.leaves.size() * LeafBytes() : view.children.size());
}

}  // namespace

ProbeReply AnswerProbe(const SyncIndex& index, const Probe& probe, std::uint64_t salt) {
  ProbeReply reply;
  reply.round = probe.round;
  reply.count = index.count();
  reply.in_sync = probe.root == index.Root();
  if (!reply.in_sync) {
    reply.salt = salt;
    reply.nodes.push_back(ViewOf(index, Prefix{}, probe.count == 0, salt));
  }
  return reply;
}

DescendReply AnswerDescend(const SyncIndex& index, const Descend& descend) {
  DescendReply reply;
  reply.round = descend.round;
  std::size_t bytes = 0;
  for (const NodeRequest& request : descend.nodes) {
    if (bytes >= kMaxReplyBytes) {
      reply.unanswered.push_back(request);
      continue;
    }
    reply.nodes.push_back(ViewOf(index, request.prefix, request.leaves, descend.salt));
    bytes += ViewBytes(reply.nodes.back());
  }
  return reply;
}

void Compare(const SyncIndex& mine, const NodeView& theirs, std::uint64_t salt, SyncPlan& plan) {
  const Prefix& prefix = theirs.prefix;
  if (!theirs.is_leaves) {
    for (std::uint8_t c = 0; c < kChildren; ++c) {
      std::uint16_t their_fp = static_cast<std::uint16_t>(theirs.children[c * 2] |
                                                          (theirs.children[c * 2 + 1] << 8));
      Prefix child = prefix.Child(c);
      SyncIndex::Aggregate here = mine.At(child);
      if (NodeFingerprint(here, salt) == their_fp) continue;
      if (their_fp == 0) {
        // They have nothing under this child: push every chain of ours there.
        for (const auto& [author, summary] : mine.Chains(child, SIZE_MAX)) {
          plan.pushes.emplace_back(author, 1);
        }
        continue;
      }
      plan.descend.push_back(NodeRequest{child, here.authors <= 1});
    }
    return;
  }
  // Leaves: compare chain by chain.
  auto my_chains = mine.Chains(prefix, SIZE_MAX);
  std::map<AuthorPrefix, const std::pair<ledger::PublicKey, ledger::ChainSummary>*> by_prefix;
  for (const auto& chain : my_chains) by_prefix.emplace(PrefixOf(chain.first), &chain);
  std::map<AuthorPrefix, bool> seen;
  for (const Leaf& leaf : theirs.leaves) {
    auto it = by_prefix.find(leaf.author);
    if (it == by_prefix.end()) {
      plan.wants.push_back(Want{leaf.author, 1});
      continue;
    }
    seen[leaf.author] = true;
    const auto& [author, summary] = *it->second;
    if (leaf.head_seq == summary.head_seq && leaf.count == summary.count &&
        leaf.fingerprint == LeafFingerprint(summary, salt)) {
      continue;
    }
    if (leaf.head_seq > summary.head_seq) {
      plan.wants.push_back(Want{leaf.author, summary.head_seq + 1});
    } else if (summary.head_seq > leaf.head_seq) {
      plan.pushes.emplace_back(author, leaf.head_seq + 1);
    } else {
      // Same head, different entries: a fork on one side or both. Exchange the
      // whole chain; duplicates are dropped on arrival.
      plan.wants.push_back(Want{leaf.author, 1});
      plan.pushes.emplace_back(author, 1);
    }
  }
  for (const auto& [author, summary] : my_chains) {
    if (!seen.count(PrefixOf(author))) plan.pushes.emplace_back(author, 1);
  }
}

}  // namespace lovebank::net
