#include "ledger/checkpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "base/hex.h"
#include "crypto/hashing.h"

namespace lovebank::ledger {
namespace {

constexpr ByteView kLeafTag = "lovebank/checkpoint-leaf/v1";
constexpr ByteView kRootTag = "lovebank/checkpoint-root/v1";
constexpr std::size_t kKeyPrefix = 8;
constexpr std::size_t kLeafPrefix = 4;

using ChainIdList = std::vector<std::pair<std::uint64_t, EntryId>>;

void PutBE(Bytes& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// The leaf of `author`'s chain cut at `seq` (see the header); `ids` is ChainIds().
crypto::Digest Leaf(const PublicKey& author, std::uint64_t seq, const ChainIdList& ids) {
  Bytes data(kLeafTag);
  data.append(author.view());
  PutBE(data, seq);
  std::uint64_t count = 0;
  Bytes at_seq;
  for (const auto& [s, id] : ids) {
    if (s > seq) break;
    ++count;
    if (s == seq) at_seq.append(id.view());
  }
  PutBE(data, count);
  data += at_seq;
  return crypto::Blake2b256(data);
}

std::uint64_t CountUpTo(const ChainIdList& ids, std::uint64_t seq) {
  return static_cast<std::uint64_t>(
      std::count_if(ids.begin(), ids.end(), [&](const auto& p) { return p.first <= seq; }));
}

std::vector<PublicKey> SortedAuthors(const LedgerState& state) {
  std::vector<PublicKey> authors;
  state.ForEachChain([&](const PublicKey& key, const ChainSummary&) { authors.push_back(key); });
  std::sort(authors.begin(), authors.end());
  return authors;
}

struct Hint {
  Bytes key_prefix;
  std::uint64_t seq = 0;
  Bytes leaf_prefix;
};

std::optional<std::vector<Hint>> DecodeHints(ByteView heads) {
  std::vector<Hint> out;
  std::size_t i = 0;
  while (i < heads.size()) {
    Hint h;
    if (heads.size() - i < kKeyPrefix) return std::nullopt;
    h.key_prefix = Bytes(heads.substr(i, kKeyPrefix));
    i += kKeyPrefix;
    int shift = 0;
    for (;;) {
      if (i >= heads.size() || shift > 63) return std::nullopt;
      auto b = static_cast<unsigned char>(heads[i++]);
      h.seq |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (heads.size() - i < kLeafPrefix || h.seq == 0) return std::nullopt;
    h.leaf_prefix = Bytes(heads.substr(i, kLeafPrefix));
    i += kLeafPrefix;
    out.push_back(std::move(h));
  }
  return out;
}

std::string Short(const PublicKey& key) { return ToHex(key.view()).substr(0, 16); }

}  // namespace

Result<AuditCheckpoint> MakeCheckpoint(const LedgerState& state) {
  auto authors = SortedAuthors(state);
  if (authors.size() > kMaxCheckpointChains) {
    return MakeError(ErrorCode::kResourceExhausted,
                     fmt::format("the ledger has {} chains; one checkpoint describes at most {}",
                                 authors.size(), kMaxCheckpointChains));
  }
  Bytes root_input(kRootTag);
  Bytes heads;
  std::uint64_t count = 0;
  for (const auto& author : authors) {
    auto ids = state.ChainIds(author);
    std::uint64_t head = ids.back().first;
    auto leaf = Leaf(author, head, ids);
    root_input.append(leaf.view());
    count += ids.size();
    heads.append(author.view().substr(0, kKeyPrefix));
    for (std::uint64_t v = head; ; v >>= 7) {
      if (v < 0x80) {
        heads.push_back(static_cast<char>(v));
        break;
      }
      heads.push_back(static_cast<char>((v & 0x7f) | 0x80));
    }
    heads.append(leaf.view().substr(0, kLeafPrefix));
  }
  AuditCheckpoint cp;
  cp.chain_root = crypto::Blake2b256(root_input).ToBytes();
  cp.entry_count = count;
  cp.state_hash = state.StateHash().ToBytes();
  cp.heads = std::move(heads);
  return cp;
}

Result<CheckpointReport> CheckSinceCheckpoint(const LedgerState& now, const EntryId& checkpoint) {
  const VerifiedEntry* entry = now.Find(checkpoint);
  if (entry == nullptr || now.Status(checkpoint) == EntryStatus::kPending) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("checkpoint {} is not on this ledger; check the id (`lovebank "
                                 "audit --json` prints it when signing)",
                                 ToHex(checkpoint.view())));
  }
  const auto* cp = std::get_if<AuditCheckpoint>(&entry->entry.kind);
  if (cp == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("entry {} is a {}, not an audit checkpoint",
                                 ToHex(checkpoint.view()), KindName(entry->entry.kind)));
  }
  CheckpointReport report;
  report.checkpoint = checkpoint;
  report.auditor = entry->entry.author;
  report.signed_at_ms = entry->entry.timestamp_ms;
  report.auditor_authorised = now.HoldsRole(entry->entry.author, entry->entry.seq, Role::kAuditor);
  if (!report.auditor_authorised) {
    report.problems.push_back(fmt::format(
        "the checkpoint's author {} did not hold the auditor role when signing it",
        Short(entry->entry.author)));
  }
  report.entries_then = cp->entry_count;
  report.entries_now = now.connected_count();

  auto hints = DecodeHints(cp->heads);
  if (!hints) {
    report.problems.push_back("the checkpoint's head hints do not decode; it cannot be checked");
    return report;
  }
  report.chains_then = hints->size();

  // Match each hint to a chain now: by key prefix, then by leaf fingerprint.
  auto authors = SortedAuthors(now);
  std::unordered_map<PublicKey, std::uint64_t, FixedBytesHash> cut;  // author -> seq then
  Bytes root_input(kRootTag);
  std::uint64_t count_then = 0;
  for (const Hint& h : *hints) {
    auto lo = std::lower_bound(authors.begin(), authors.end(), h.key_prefix,
                               [](const PublicKey& k, const Bytes& p) {
                                 return k.view().substr(0, kKeyPrefix) < ByteView(p);
                               });
    const PublicKey* match = nullptr;
    const PublicKey* candidate = nullptr;
    crypto::Digest leaf;
    std::uint64_t n = 0;
    for (auto it = lo; it != authors.end() && it->view().substr(0, kKeyPrefix) == h.key_prefix;
         ++it) {
      candidate = &*it;
      auto ids = now.ChainIds(*it);
      auto l = Leaf(*it, h.seq, ids);
      if (match == nullptr || l.view().substr(0, kLeafPrefix) == h.leaf_prefix) {
        leaf = l;
        n = CountUpTo(ids, h.seq);
        if (l.view().substr(0, kLeafPrefix) == h.leaf_prefix) {
          match = &*it;
          break;
        }
      }
    }
    if (candidate == nullptr) {
      report.problems.push_back(fmt::format(
          "the chain of author {}… (seq {} at the checkpoint) is missing from this ledger",
          ToHex(h.key_prefix), h.seq));
      continue;
    }
    if (match == nullptr) {
      report.broken_chains.push_back(*candidate);
      report.problems.push_back(fmt::format(
          "the chain of {} is no longer an extension of the checkpoint: its entries up to seq {} "
          "differ from what the auditor verified (an entry was rewritten, removed or forked)",
          Short(*candidate), h.seq));
      root_input.append(leaf.view());
      count_then += n;
      cut[*candidate] = h.seq;
      continue;
    }
    root_input.append(leaf.view());
    count_then += n;
    cut[*match] = h.seq;
  }
  if (report.problems.empty()) {
    if (crypto::Blake2b256(root_input).view() != ByteView(cp->chain_root)) {
      report.problems.push_back(
          "the chain root over the checkpointed heads differs from the signed one");
    }
    if (count_then != cp->entry_count) {
      report.problems.push_back(fmt::format("the checkpointed chains hold {} entries; the "
                                            "checkpoint says {}",
                                            count_then, cp->entry_count));
    }
  }
  report.new_chains = authors.size() - std::min<std::size_t>(authors.size(), cut.size());

  // Recompute the checkpointed prefix's state and compare it with the signed hash.
  const VerifiedEntry* genesis = now.Find(now.network());
  LedgerState then(*genesis);
  now.ForEachEntry([&](const VerifiedEntry& v, bool connected) {
    if (!connected) return;
    auto it = cut.find(v.entry.author);
    bool in_prefix = it != cut.end() && v.entry.seq <= it->second;
    if (!in_prefix) {
      ++report.new_entries_by_kind[std::string(KindName(v.entry.kind))];
      return;
    }
    if (v.id == genesis->id) return;
    VerifiedEntry copy{v.id, v.entry, Bytes()};
    (void)then.Add(std::move(copy));
  });
  then.Settle();
  if (report.problems.empty() && then.StateHash().view() != ByteView(cp->state_hash)) {
    report.problems.push_back(
        "the state recomputed from the checkpointed entries differs from the signed state hash");
  }

  // What changed since: accounts whose balance or minutes moved.
  std::map<PublicKey, AccountView> before;
  for (auto& a : then.Accounts()) before.emplace(a.id, std::move(a));
  for (const auto& a : now.Accounts()) {
    auto it = before.find(a.id);
    std::uint64_t bal = it == before.end() ? 0 : it->second.balance;
    std::uint64_t min = it == before.end() ? 0 : it->second.minutes;
    if (bal != a.balance || min != a.minutes) {
      report.changed_accounts.push_back(AccountChange{
          a.id, static_cast<std::int64_t>(bal), static_cast<std::int64_t>(a.balance),
          static_cast<std::int64_t>(min), static_cast<std::int64_t>(a.minutes)});
    }
  }
  return report;
}

}  // namespace lovebank::ledger
