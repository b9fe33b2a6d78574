// Anti-entropy as pure functions: two in-memory indexes reconcile through encoded
// messages, and the wire codec refuses what is malformed.
#include <gtest/gtest.h>

#include <random>

#include "crypto/secret_file.h"
#include "net/messages.h"
#include "net/sync.h"

namespace lovebank::net {
namespace {

using ledger::ChainSummary;
using ledger::EntryId;
using ledger::PublicKey;

// A toy node: linear chains of random entry ids, and the index over them.
struct Toy {
  std::map<PublicKey, std::vector<EntryId>> chains;
  SyncIndex index;

  void Append(const PublicKey& author, const EntryId& id) {
    chains[author].push_back(id);
    Refresh(author);
  }
  void Refresh(const PublicKey& author) {
    ChainSummary s;
    for (const auto& id : chains[author]) {
      s.id_sum.Add(id.data());
      ++s.count;
    }
    s.head_seq = s.count;
    index.Set(author, s);
  }
};

PublicKey RandomKey(std::mt19937_64& rng) {
  PublicKey k;
  for (std::size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<std::uint8_t>(rng());
  return k;
}
EntryId RandomId(std::mt19937_64& rng) {
  EntryId id;
  for (std::size_t i = 0; i < id.size(); ++i) id.data()[i] = static_cast<std::uint8_t>(rng());
  return id;
}

template <class T>
T RoundTrip(const T& message, std::size_t& bytes) {
  Bytes encoded = EncodeMessage(message);
  bytes += encoded.size();
  auto decoded = DecodeMessage(encoded);
  EXPECT_TRUE(decoded) << (decoded ? "" : decoded.error().message);
  return std::get<T>(*decoded);
}

struct SyncStats {
  bool in_sync_at_start = false;
  std::size_t rounds = 0, message_bytes = 0, wants = 0, pushes = 0;
};

// A (driver) against B (responder), as the peer sessions do it, until the roots agree.
SyncStats Reconcile(Toy& a, Toy& b, std::uint64_t seed) {
  SyncStats stats;
  std::mt19937_64 rng(seed);
  for (int attempt = 0; attempt < 6; ++attempt) {
    ++stats.rounds;
    Probe probe{1, a.index.Root(), a.index.count()};
    ProbeReply reply = RoundTrip(AnswerProbe(b.index, RoundTrip(probe, stats.message_bytes), rng()),
                                 stats.message_bytes);
    if (reply.in_sync) {
      stats.in_sync_at_start = attempt == 0;
      return stats;
    }
    SyncPlan plan;
    for (const auto& node : reply.nodes) Compare(a.index, node, reply.salt, plan);
    while (!plan.descend.empty()) {
      Descend d{1, reply.salt, plan.descend};
      plan.descend.clear();
      DescendReply r =
          RoundTrip(AnswerDescend(b.index, RoundTrip(d, stats.message_bytes)), stats.message_bytes);
      for (const auto& node : r.nodes) Compare(a.index, node, reply.salt, plan);
      for (const auto& u : r.unanswered) plan.descend.push_back(u);
    }
    for (const auto& want : plan.wants) {
      ++stats.wants;
      auto author = b.index.Resolve(want.author);
      if (!author) continue;
      const auto& theirs = b.chains[*author];
      auto& mine = a.chains[*author];
      for (std::size_t seq = want.from_seq; seq <= theirs.size(); ++seq) {
        if (seq > mine.size()) mine.push_back(theirs[seq - 1]);
      }
      a.Refresh(*author);
    }
    for (const auto& [author, from] : plan.pushes) {
      ++stats.pushes;
      const auto& mine = a.chains[author];
      auto& theirs = b.chains[author];
      for (std::size_t seq = from; seq <= mine.size(); ++seq) {
        if (seq > theirs.size()) theirs.push_back(mine[seq - 1]);
      }
      b.Refresh(author);
    }
  }
  return stats;
}

TEST(SyncIndex, IncrementalSumsMatchARecount) {
  std::mt19937_64 rng(7);
  Toy t;
  std::vector<PublicKey> authors;
  for (int i = 0; i < 300; ++i) authors.push_back(RandomKey(rng));
  for (int i = 0; i < 3000; ++i) t.Append(authors[rng() % authors.size()], RandomId(rng));
  SyncIndex fresh;
  for (const auto& [author, ids] : t.chains) {
    ChainSummary s;
    for (const auto& id : ids) s.id_sum.Add(id.data());
    s.count = s.head_seq = ids.size();
    fresh.Set(author, s);
  }
  EXPECT_EQ(fresh.Root(), t.index.Root());
  EXPECT_EQ(fresh.count(), 3000u);
  // Deep nodes (computed by walking) agree with shallow ones (kept as arrays).
  Prefix p;
  std::uint64_t total = 0;
  for (std::uint8_t a = 0; a < 16; ++a) {
    for (std::uint8_t b = 0; b < 16; ++b) {
      for (std::uint8_t c = 0; c < 16; ++c) {
        for (std::uint8_t d = 0; d < 16; ++d) total += t.index.At(p.Child(a).Child(b).Child(c).Child(d)).count;
      }
    }
  }
  EXPECT_EQ(total, 3000u);
}

TEST(Sync, InSyncCostsOneRoundTripAndAFewDozenBytes) {
  std::mt19937_64 rng(1);
  Toy a, b;
  for (int i = 0; i < 2000; ++i) {
    PublicKey k = RandomKey(rng);
    EntryId id = RandomId(rng);
    a.Append(k, id);
    b.Append(k, id);
  }
  auto stats = Reconcile(a, b, 2);
  EXPECT_TRUE(stats.in_sync_at_start);
  EXPECT_EQ(stats.rounds, 1u);
  EXPECT_LE(stats.message_bytes, 200u);
}

TEST(Sync, FindsExactlyTheDifferingAuthorsAndConverges) {
  std::mt19937_64 rng(3);
  Toy a, b;
  std::vector<PublicKey> authors;
  for (int i = 0; i < 2500; ++i) authors.push_back(RandomKey(rng));
  for (int i = 0; i < 20000; ++i) {
    const PublicKey& k = authors[rng() % authors.size()];
    EntryId id = RandomId(rng);
    a.Append(k, id);
    b.Append(k, id);
  }
  // B gets 5 more entries for 3 authors; A gets 2 new authors of its own.
  for (int i = 0; i < 5; ++i) b.Append(authors[i % 3], RandomId(rng));
  a.Append(RandomKey(rng), RandomId(rng));
  a.Append(RandomKey(rng), RandomId(rng));
  auto stats = Reconcile(a, b, 4);
  EXPECT_FALSE(stats.in_sync_at_start);
  EXPECT_EQ(a.index.Root(), b.index.Root());
  EXPECT_EQ(a.index.count(), 20007u);
  EXPECT_EQ(stats.wants, 3u);
  EXPECT_EQ(stats.pushes, 2u);
  // Finding 5 differing authors among 2,500 costs a few hundred bytes, not 20,000 entries.
  EXPECT_LT(stats.message_bytes, 5u * 400u + 200u);
}

TEST(Sync, AnEmptyNodeLearnsEverything) {
  std::mt19937_64 rng(5);
  Toy a, b;
  for (int i = 0; i < 500; ++i) b.Append(RandomKey(rng), RandomId(rng));
  Reconcile(a, b, 6);
  EXPECT_EQ(a.index.Root(), b.index.Root());
}

TEST(Messages, MalformedPayloadsAreRefused) {
  EXPECT_FALSE(DecodeMessage("\xff\xff\xff garbage"));
  EXPECT_FALSE(DecodeMessage(""));  // no kind
  // A prefix deeper than a key prefix can be.
  Descend d{1, 1, {NodeRequest{Prefix{}, false}}};
  Bytes ok = EncodeMessage(d);
  EXPECT_TRUE(DecodeMessage(ok));
  // A leaf outside its node.
  NodeView view;
  view.prefix = Prefix{}.Child(3);
  view.is_leaves = true;
  Leaf leaf;
  leaf.author[0] = 0x40;  // nibble 4, not 3
  view.leaves.push_back(leaf);
  DescendReply r{1, {view}, {}};
  EXPECT_FALSE(DecodeMessage(EncodeMessage(r)));
  view.leaves[0].author[0] = 0x3A;
  r.nodes[0] = view;
  EXPECT_TRUE(DecodeMessage(EncodeMessage(r)));
  // A want from seq 0.
  WantRequest w{1, {Want{{}, 0}}};
  EXPECT_FALSE(DecodeMessage(EncodeMessage(w)));
  // Too many peer addresses.
  PeerList many;
  for (int i = 0; i < 65; ++i) many.addresses.push_back("127.0.0.1:1");
  EXPECT_FALSE(DecodeMessage(EncodeMessage(many)));
  // A probe root of the wrong size cannot even be expressed in C++; check the codec
  // with random bytes instead: it must never crash, whatever they are.
  std::mt19937_64 rng(9);
  for (int i = 0; i < 2000; ++i) {
    Bytes junk(rng() % 64, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    (void)DecodeMessage(junk);
  }
}

}  // namespace
}  // namespace lovebank::net
