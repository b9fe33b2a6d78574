// The chain graph and pending pool: storing, connecting, indexing and retracting
// entries, and the structural queries.
#include <algorithm>
#include <utility>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

LedgerState::Impl::Impl(const VerifiedEntry& genesis) {
  network_ = genesis.id;
  genesis_ = std::get<Genesis>(genesis.entry.kind);
  for (const auto& c : genesis_.policy.categories) rates_.emplace(c.name, c.points_per_hour);
  const std::uint64_t days = genesis_.policy.service_window_days != 0
                                 ? genesis_.policy.service_window_days
                                 : kDefaultServiceWindowDays;
  window_ms_ = days * static_cast<std::uint64_t>(kDayMs);
  auto* node = Store(VerifiedEntry(genesis));
  Connect(node);
}

AddResult LedgerState::Impl::Add(VerifiedEntry v) {
  if (nodes_.count(v.id)) return {AddOutcome::kDuplicate, {}};
  if (std::holds_alternative<Genesis>(v.entry.kind)) {
    return {AddOutcome::kInvalid, "a community has exactly one genesis entry"};
  }
  if (!v.entry.network || *v.entry.network != network_) {
    return {AddOutcome::kInvalid, "the entry belongs to another community"};
  }
  const Node* prev = nullptr;
  if (v.entry.prev) {
    auto it = nodes_.find(*v.entry.prev);
    if (it != nodes_.end()) {
      prev = it->second.get();
      if (!Links(prev, v.entry)) {
        return {AddOutcome::kInvalid, "prev is not the author's entry at seq - 1"};
      }
    }
  }
  const bool connect = v.entry.seq == 1 || (prev != nullptr && prev->connected);
  Node* node = Store(std::move(v));
  if (connect) {
    Connect(node);
    return {AddOutcome::kApplied, {}};
  }
  waiting_[*node->e().prev].push_back(node);
  ++pending_;
  return {AddOutcome::kPending, {}};
}

void LedgerState::Impl::Disconnect(Node* n) {
  UnIndex(n);
  std::erase(queue_, n);
  n->connected = false;
  waiting_[*n->e().prev].push_back(n);
  ++pending_;
}

void LedgerState::Impl::Retract(Node* n) {
  if (n->connected) {
    UnIndex(n);
  } else if (n->e().prev) {
    auto w = waiting_.find(*n->e().prev);
    if (w != waiting_.end()) {
      std::erase(w->second, n);
      if (w->second.empty()) waiting_.erase(w);
    }
    --pending_;
  }
  std::erase(queue_, n);
  Chain& chain = *n->chain;
  const PublicKey author = n->e().author;
  if (chain.by_seq.Erase(n) < 2) chain.fork_seqs.erase(n->e().seq);
  nodes_.erase(n->id());
  if (chain.by_seq.empty()) chains_.erase(author);
}

void LedgerState::Impl::UnIndex(Node* n) {
  Chain& chain = *n->chain;
  --chain.connected;
  chain.id_sum.Subtract(n->id().data());
  chain.head_seq = 0;
  for (auto it = chain.by_seq.rbegin(); it != chain.by_seq.rend(); ++it) {
    if (*it != n && (*it)->connected) {
      chain.head_seq = (*it)->e().seq;
      break;
    }
  }
  for (const Family& family : kFamilies) {
    if (family.unindex) (this->*family.unindex)(n);
  }
}

std::vector<ForkEvidence> LedgerState::Impl::Forks() const {
  std::vector<ForkEvidence> out;
  for (const auto& [author, chain] : chains_) {
    for (auto seq : chain.fork_seqs) {
      ForkEvidence evidence{author, seq, {}};
      for (const Node* n : chain.by_seq.At(seq)) evidence.entries.push_back(n->id());
      std::sort(evidence.entries.begin(), evidence.entries.end());
      out.push_back(std::move(evidence));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.author, a.seq) < std::tie(b.author, b.seq);
  });
  return out;
}

bool LedgerState::Impl::ForkedAt(const PublicKey& key, std::uint64_t seq) const {
  auto it = chains_.find(key);
  return it != chains_.end() && it->second.fork_seqs.count(seq) > 0;
}

ChainSummary LedgerState::Impl::Summary(const PublicKey& key) const {
  auto it = chains_.find(key);
  if (it == chains_.end()) return {};
  return ChainSummary{it->second.head_seq, it->second.connected, it->second.id_sum};
}

std::vector<std::pair<std::uint64_t, EntryId>> LedgerState::Impl::ChainIds(
    const PublicKey& key) const {
  std::vector<std::pair<std::uint64_t, EntryId>> out;
  auto it = chains_.find(key);
  if (it == chains_.end()) return out;
  for (const Node* n : it->second.by_seq) {
    if (n->connected) out.emplace_back(n->e().seq, n->id());
  }
  std::sort(out.begin(), out.end());  // by seq already; a fork's entries by id
  return out;
}

void LedgerState::Impl::ForEachChain(
    const std::function<void(const PublicKey&, const ChainSummary&)>& fn) const {
  for (const auto& [key, chain] : chains_) {
    if (chain.connected > 0) fn(key, ChainSummary{chain.head_seq, chain.connected, chain.id_sum});
  }
}

std::uint64_t LedgerState::Impl::HeadSeq(const PublicKey& key) const {
  auto it = chains_.find(key);
  return it == chains_.end() ? 0 : it->second.head_seq;
}

const VerifiedEntry* LedgerState::Impl::Find(const EntryId& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second->v;
}

void LedgerState::Impl::ForEachEntry(
    const std::function<void(const VerifiedEntry&, bool)>& fn) const {
  for (const auto& [id, n] : nodes_) fn(n->v, n->connected);
}

void LedgerState::Impl::ReleaseEnvelope(const EntryId& id) {
  auto it = nodes_.find(id);
  if (it != nodes_.end() && it->second->connected) Bytes().swap(it->second->v.envelope);
}

LedgerState::Changes LedgerState::Impl::TakeChanges() {
  Changes out;
  out.connected_from_pending = std::move(connected_from_pending_);
  out.dropped = std::move(dropped_);
  out.everything = everything_changed_;
  if (!everything_changed_) {
    out.accounts.assign(touched_accounts_.begin(), touched_accounts_.end());
    out.items.assign(touched_items_.begin(), touched_items_.end());
  }
  connected_from_pending_.clear();
  dropped_.clear();
  touched_accounts_.clear();
  touched_items_.clear();
  everything_changed_ = false;
  return out;
}

bool LedgerState::Impl::Links(const Node* prev, const Entry& child) {
  return prev->e().author == child.author && prev->e().seq + 1 == child.seq;
}

Node* LedgerState::Impl::Store(VerifiedEntry v) {
  auto owned = std::make_unique<Node>();
  owned->v = std::move(v);
  Node* node = owned.get();
  const VerifiedEntry& stored = node->v;
  nodes_.emplace(stored.id, std::move(owned));
  Chain& chain = chains_[stored.entry.author];
  node->chain = &chain;
  if (chain.by_seq.Insert(node) == 2) {
    chain.fork_seqs.insert(stored.entry.seq);
    full_needed_ = true;
  }
  // Children that arrived first and claim this entry as prev but do not follow it
  // are refused now, exactly as if they had arrived after it.
  auto waiting = waiting_.find(stored.id);
  if (waiting != waiting_.end()) {
    auto& children = waiting->second;
    for (auto it = children.begin(); it != children.end();) {
      if (Links(node, (*it)->e())) {
        ++it;
      } else {
        Drop(*it);
        it = children.erase(it);
      }
    }
  }
  return node;
}

// A dropped entry can never be stored again (its prev is known and it does not follow
// it), so the pending entries that wait for it, and theirs, can never connect either:
// they go with it instead of holding pool slots for good.
void LedgerState::Impl::Drop(Node* first) {
  std::vector<Node*> work{first};
  while (!work.empty()) {
    Node* node = work.back();
    work.pop_back();
    const EntryId id = node->id();
    if (auto waiting = waiting_.find(id); waiting != waiting_.end()) {
      work.insert(work.end(), waiting->second.begin(), waiting->second.end());
      waiting_.erase(waiting);
    }
    Chain& chain = *node->chain;
    if (chain.by_seq.Erase(node) < 2 && chain.fork_seqs.erase(node->e().seq)) {
      full_needed_ = true;
    }
    const PublicKey author = node->e().author;
    --pending_;
    dropped_.push_back(std::move(node->v));  // for the store to take back its rows
    nodes_.erase(id);
    if (chain.by_seq.empty()) chains_.erase(author);
  }
}

void LedgerState::Impl::Connect(Node* first) {
  std::vector<Node*> work{first};
  while (!work.empty()) {
    Node* node = work.back();
    work.pop_back();
    node->connected = true;
    if (node != first) connected_from_pending_.push_back(&node->v);
    Index(node);
    auto waiting = waiting_.find(node->id());
    if (waiting == waiting_.end()) continue;
    for (Node* child : waiting->second) {
      --pending_;
      work.push_back(child);
    }
    waiting_.erase(waiting);
  }
}

void LedgerState::Impl::Index(Node* n) {
  const Entry& e = n->e();
  Chain& chain = *n->chain;
  chain.head_seq = std::max(chain.head_seq, e.seq);
  ++chain.connected;
  chain.id_sum.Add(n->id().data());
  queue_.push_back(n);
  // On a forked chain, whether an entry is on the canonical branch is decided by
  // the full walk, never guessed incrementally.
  if (!chain.fork_seqs.empty()) full_needed_ = true;
  for (const Family& family : kFamilies) {
    if (family.index) (this->*family.index)(n);
  }
}

}  // namespace lovebank::ledger
