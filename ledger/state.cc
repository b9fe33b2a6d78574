#include "ledger/state.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <deque>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace lovebank::ledger {
namespace {

template <class V>
using KeyMap = std::unordered_map<PublicKey, V, FixedBytesHash>;
template <class V>
using IdMap = std::unordered_map<EntryId, V, FixedBytesHash>;
using IdSet = std::unordered_set<EntryId, FixedBytesHash>;

constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;

struct Node;

struct Chain {
  std::map<std::uint64_t, std::vector<Node*>> by_seq;
  std::set<std::uint64_t> fork_seqs;  // seqs holding two or more stored entries
  std::uint64_t head_seq = 0;         // highest connected seq
  std::uint64_t connected = 0;        // connected entries (all branches)
  Sum256 id_sum;                      // sum of their ids (ChainSummary)
  std::vector<Node*> debits;          // connected transfers and redemptions
};

struct Node {
  VerifiedEntry v;
  bool connected = false;
  bool on_path = false;  // on the canonical branch of a forked chain
  bool funded = false;   // debits only: inside the account's funded prefix
  Chain* chain = nullptr;  // the author's chain (unordered_map nodes never move)

  const Entry& e() const { return v.entry; }
  const EntryId& id() const { return v.id; }
  template <class K>
  const K* As() const {
    return std::get_if<K>(&v.entry.kind);
  }
};


bool IsGovernance(const EntryKind& kind) {
  return std::holds_alternative<Genesis>(kind) || std::holds_alternative<RoleGrant>(kind) ||
         std::holds_alternative<RoleRevoke>(kind) || std::holds_alternative<NodeGrant>(kind) ||
         std::holds_alternative<NodeRevoke>(kind) || std::holds_alternative<KeyRotate>(kind) ||
         std::holds_alternative<Recover>(kind) || std::holds_alternative<Reversal>(kind) ||
         std::holds_alternative<ForkResolution>(kind);
}

// Sums of signed amounts a hostile author controls saturate instead of wrapping.
std::uint64_t SaturatingAdd(std::uint64_t a, std::uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

std::uint64_t DebitPoints(const Node* node) {
  if (auto* t = node->As<Transfer>()) return t->points;
  return node->As<Redeem>()->points;
}

// Role events on one account's position axis. A position is (index of the key in
// the account, seq in that key's chain); an event at position p holds from p on.
struct RoleEvent {
  std::uint32_t key_index;
  std::uint64_t from_seq;
  bool grant;
  auto operator<=>(const RoleEvent&) const = default;
};

class RoleBook {
 public:
  void Add(const PublicKey& root, Role role, RoleEvent event) {
    events_[root][static_cast<int>(role)].push_back(event);
  }
  bool Holds(const PublicKey& root, std::uint32_t key_index, std::uint64_t seq, Role role) const {
    auto it = events_.find(root);
    if (it == events_.end()) return false;
    const RoleEvent* best = nullptr;
    for (const auto& ev : it->second[static_cast<int>(role)]) {
      if (std::pair(ev.key_index, ev.from_seq) > std::pair(key_index, seq)) continue;
      // The latest event wins; at one position a revocation beats a grant.
      if (best == nullptr ||
          std::pair(ev.key_index, ev.from_seq) > std::pair(best->key_index, best->from_seq) ||
          (std::pair(ev.key_index, ev.from_seq) == std::pair(best->key_index, best->from_seq) &&
           !ev.grant)) {
        best = &ev;
      }
    }
    return best != nullptr && best->grant;
  }
  bool HasAny(const PublicKey& root) const { return events_.count(root) > 0; }
  std::vector<PublicKey> Roots() const {
    std::vector<PublicKey> out;
    for (const auto& [root, roles] : events_) out.push_back(root);
    return out;
  }
  // Sorted events, for the state hash.
  std::map<PublicKey, std::array<std::vector<RoleEvent>, kRoleCount>> Sorted() const {
    std::map<PublicKey, std::array<std::vector<RoleEvent>, kRoleCount>> out(events_.begin(),
                                                                          events_.end());
    for (auto& [root, roles] : out) {
      for (auto& events : roles) {
        std::sort(events.begin(), events.end());
        events.erase(std::unique(events.begin(), events.end()), events.end());
      }
    }
    return out;
  }

 private:
  KeyMap<std::array<std::vector<RoleEvent>, kRoleCount>> events_;
};

// What governance entries decide: who is who, who may do what.
struct Governance {
  KeyMap<PublicKey> root_of;                  // keys moved into an account -> its id
  KeyMap<std::vector<PublicKey>> keys_of;     // account id -> its keys, for moved accounts
  KeyMap<std::uint64_t> fence;                // key -> last seq that still counts
  std::map<std::pair<PublicKey, std::uint64_t>, EntryId> resolutions;
  RoleBook roles;
  std::set<PublicKey> roster;
  IdMap<std::vector<std::optional<PublicKey>>> reversed;  // target -> volunteers (nullopt: all)
  std::vector<std::pair<EntryId, Finding>> findings;
};

struct AccountState {
  std::vector<std::pair<EntryId, Finding>> service_findings;
  // Credited (source, volunteer) pairs, unordered: only the slow path compares them.
  std::vector<std::pair<EntryId, PublicKey>> credited;
  std::map<std::uint64_t, std::uint64_t> intervals;  // credited service: start -> end
  std::map<std::int64_t, std::uint64_t> day_minutes;  // credited minutes per local day
  // Intervals refused for overlap or the day cap: a new credit that touches one
  // could change the reason given, so it takes the full path.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> refused;
  std::uint64_t minutes = 0;
  std::uint64_t service_points = 0;
  std::map<std::string, std::uint64_t> by_category;
  std::vector<Node*> debits;  // sorted by (key index, seq, id)
  std::uint64_t debit_sum = 0;
  std::uint64_t received = 0;
  std::size_t funded = 0;
  std::uint64_t funded_sum = 0;
  const Node* profile = nullptr;
  bool queued = false;
};

struct ItemState {
  const Node* node = nullptr;
  bool listed = false;
  std::uint64_t stock = 0;
  std::uint64_t fulfilled = 0;
  std::vector<std::pair<EntryId, Finding>> findings;
};

// map[key], but an insert at the end takes the hint and skips the tree walk. Chains,
// service intervals and days mostly grow at the end, and at a million entries a
// walk down a tree is a chain of cache misses.
template <class Map, class Key>
typename Map::mapped_type& Slot(Map& map, const Key& key) {
  if (map.empty() || map.rbegin()->first < key) {
    return map.emplace_hint(map.end(), key, typename Map::mapped_type{})->second;
  }
  return map[key];
}

class Writer {
 public:
  void U64(std::uint64_t v) { AppendBigEndian64(out, v); }
  void Str(ByteView s) {
    AppendBigEndian32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
  }
  template <std::size_t N, class T>
  void Fixed(const FixedBytes<N, T>& f) {
    out.append(f.view());
  }
  Bytes out;
};

}  // namespace

class LedgerState::Impl {
 public:
  explicit Impl(const VerifiedEntry& genesis) {
    network_ = genesis.id;
    genesis_ = std::get<Genesis>(genesis.entry.kind);
    for (const auto& c : genesis_.policy.categories) rates_.emplace(c.name, c.points_per_hour);
    auto* node = Store(VerifiedEntry(genesis));
    Connect(node);
  }

  // ---- structure -------------------------------------------------------------

  void Reserve(std::size_t entries) { nodes_.reserve(entries); }

  AddResult Add(VerifiedEntry v) {
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

  // ---- derived state ---------------------------------------------------------

  void Settle() {
    if (!full_needed_) {
      for (std::size_t i = 0; i < queue_.size() && !full_needed_; ++i) FastApply(queue_[i]);
    }
    queue_.clear();
    if (full_needed_) {
      FullEvaluate();
      full_needed_ = false;
      funding_dirty_ = false;
    } else if (funding_dirty_) {
      RecomputeFunding();
      funding_dirty_ = false;
    } else {
      RunFunding();
    }
    for (const auto& id : items_to_recompute_) RecomputeItem(id);
    items_to_recompute_.clear();
    findings_valid_ = false;
  }

  // ---- queries ---------------------------------------------------------------

  const NetworkId& network() const { return network_; }
  const Genesis& genesis() const { return genesis_; }

  PublicKey AccountOf(const PublicKey& key) const {
    auto it = gov_.root_of.find(key);
    return it == gov_.root_of.end() ? key : it->second;
  }

  std::vector<PublicKey> KeysOf(const PublicKey& root) const {
    auto it = gov_.keys_of.find(root);
    if (it == gov_.keys_of.end()) return {root};
    return it->second;
  }

  std::uint32_t KeyIndex(const PublicKey& key) const {
    auto it = gov_.keys_of.find(AccountOf(key));
    if (it == gov_.keys_of.end()) return 0;
    auto pos = std::find(it->second.begin(), it->second.end(), key);
    return static_cast<std::uint32_t>(pos - it->second.begin());
  }

  bool HoldsRole(const RoleBook& book, const PublicKey& key, std::uint64_t seq, Role role) const {
    return book.Holds(AccountOf(key), KeyIndex(key), seq, role);
  }
  bool HoldsRole(const PublicKey& key, std::uint64_t seq, Role role) const {
    return HoldsRole(gov_.roles, key, seq, role);
  }
  bool Authorised(const Node* n, Role role) const { return HoldsRole(n->e().author, n->e().seq, role); }

  bool Fenced(const Node* n) const {
    auto it = gov_.fence.find(n->e().author);
    return it != gov_.fence.end() && n->e().seq > it->second;
  }
  static bool Forked(const Node* n) { return !n->chain->fork_seqs.empty(); }
  bool Active(const Node* n) const {
    return n->connected && (n->on_path || !Forked(n)) && !Fenced(n);
  }

  EntryStatus Status(const EntryId& id) const {
    auto it = nodes_.find(id);
    if (it == nodes_.end()) return EntryStatus::kUnknown;
    const Node* n = it->second.get();
    if (!n->connected) return EntryStatus::kPending;
    if (Fenced(n)) return EntryStatus::kFenced;
    if (Forked(n) && !n->on_path) return EntryStatus::kSuspended;
    return EntryStatus::kActive;
  }

  bool IsReversed(const Node* n, const std::optional<PublicKey>& volunteer) const {
    auto it = gov_.reversed.find(n->id());
    if (it == gov_.reversed.end()) return false;
    for (const auto& who : it->second) {
      if (!who || (volunteer && *who == *volunteer)) return true;
    }
    return false;
  }

  std::optional<AccountView> View(const PublicKey& root) const {
    AccountView out;
    out.id = root;
    out.keys = KeysOf(root);
    auto it = accounts_.find(root);
    if (it != accounts_.end()) {
      const AccountState& a = it->second;
      out.minutes = a.minutes;
      out.minutes_by_category = a.by_category;
      out.service_points = a.service_points;
      out.received_points = a.received;
      out.spent_points = a.funded_sum;
      out.unfunded_points = a.debit_sum - a.funded_sum;
      out.balance = SaturatingAdd(a.service_points, a.received) - a.funded_sum;
      out.debit_count = static_cast<std::uint32_t>(a.debits.size());
      if (a.profile) {
        const auto& e = *a.profile->As<Enrol>();
        out.profile = Profile{e.name, e.grid, e.building, e.teams};
      }
    }
    const PublicKey& current = out.keys.back();
    for (int r = 1; r < kRoleCount; ++r) {
      if (HoldsRole(current, HeadSeq(current) + 1, static_cast<Role>(r))) {
        out.roles.push_back(static_cast<Role>(r));
      }
    }
    bool empty = out.minutes == 0 && out.service_points == 0 && out.received_points == 0 &&
                 out.debit_count == 0 && !out.profile && out.keys.size() == 1 &&
                 !gov_.roles.HasAny(root);
    if (empty) return std::nullopt;
    return out;
  }

  std::optional<AccountView> Account(const PublicKey& key) const { return View(AccountOf(key)); }

  std::vector<AccountView> Accounts() const {
    std::set<PublicKey> roots;
    for (const auto& [root, a] : accounts_) roots.insert(root);
    for (const auto& [root, keys] : gov_.keys_of) roots.insert(root);
    for (const auto& root : gov_.roles.Roots()) roots.insert(root);
    std::vector<AccountView> out;
    for (const auto& root : roots) {
      if (auto view = View(root)) out.push_back(std::move(*view));
    }
    return out;
  }

  std::vector<ItemView> Items() const {
    std::vector<ItemView> out;
    for (const auto& [id, item] : items_) {
      if (!item.listed) continue;
      const auto& c = *item.node->As<CatalogItem>();
      out.push_back({id, AccountOf(item.node->e().author), c.name, c.price, item.stock,
                     item.fulfilled});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
  }

  std::vector<ForkEvidence> Forks() const {
    std::vector<ForkEvidence> out;
    for (const auto& [author, chain] : chains_) {
      for (auto seq : chain.fork_seqs) {
        ForkEvidence evidence{author, seq, {}};
        for (const Node* n : chain.by_seq.at(seq)) evidence.entries.push_back(n->id());
        std::sort(evidence.entries.begin(), evidence.entries.end());
        out.push_back(std::move(evidence));
      }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::tie(a.author, a.seq) < std::tie(b.author, b.seq);
    });
    return out;
  }

  std::vector<PublicKey> NodeRoster() const { return {gov_.roster.begin(), gov_.roster.end()}; }

  std::uint64_t Spendable(const PublicKey& key) const {
    auto it = accounts_.find(AccountOf(key));
    if (it == accounts_.end()) return 0;
    const AccountState& a = it->second;
    std::uint64_t credits = SaturatingAdd(a.service_points, a.received);
    return credits > a.debit_sum ? credits - a.debit_sum : 0;
  }

  bool ForkedAt(const PublicKey& key, std::uint64_t seq) const {
    auto it = chains_.find(key);
    return it != chains_.end() && it->second.fork_seqs.count(seq) > 0;
  }

  ChainSummary Summary(const PublicKey& key) const {
    auto it = chains_.find(key);
    if (it == chains_.end()) return {};
    return ChainSummary{it->second.head_seq, it->second.connected, it->second.id_sum};
  }

  std::vector<std::pair<std::uint64_t, EntryId>> ChainIds(const PublicKey& key) const {
    std::vector<std::pair<std::uint64_t, EntryId>> out;
    auto it = chains_.find(key);
    if (it == chains_.end()) return out;
    for (const auto& [seq, nodes] : it->second.by_seq) {
      std::size_t first = out.size();
      for (const Node* n : nodes) {
        if (n->connected) out.emplace_back(seq, n->id());
      }
      std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    }
    return out;
  }

  void ForEachChain(const std::function<void(const PublicKey&, const ChainSummary&)>& fn) const {
    for (const auto& [key, chain] : chains_) {
      if (chain.connected > 0) fn(key, ChainSummary{chain.head_seq, chain.connected, chain.id_sum});
    }
  }

  std::uint64_t HeadSeq(const PublicKey& key) const {
    auto it = chains_.find(key);
    return it == chains_.end() ? 0 : it->second.head_seq;
  }

  const VerifiedEntry* Find(const EntryId& id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : &it->second->v;
  }

  void ForEachEntry(const std::function<void(const VerifiedEntry&, bool)>& fn) const {
    for (const auto& [id, n] : nodes_) fn(n->v, n->connected);
  }

  ServiceCredit CreditOf(const PublicKey& root, const EntryId& source) const {
    const Node* n = nodes_.at(source).get();
    ServiceCredit c{root, source, {}, 0, 0, 0};
    if (auto* r = n->As<ServiceRecord>()) {
      c.category = r->category;
      c.start_ms = r->start_ms;
      c.minutes = r->minutes;
    } else {
      const auto& claim = *n->As<ServiceClaim>();
      c.category = claim.category;
      c.start_ms = claim.start_ms;
      c.minutes = claim.minutes;
    }
    c.points = std::uint64_t{c.minutes} * rates_.at(c.category) / 60;
    return c;
  }

  void ForEachCredit(const std::function<void(const ServiceCredit&)>& fn) const {
    for (const auto& [root, a] : accounts_) {
      for (const auto& [source, volunteer] : a.credited) fn(CreditOf(root, source));
    }
  }

  std::vector<ServiceCredit> Credits(const PublicKey& key) const {
    std::vector<ServiceCredit> out;
    PublicKey root = AccountOf(key);
    auto it = accounts_.find(root);
    if (it == accounts_.end()) return out;
    for (const auto& [source, volunteer] : it->second.credited) {
      out.push_back(CreditOf(root, source));
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
      return std::tie(x.start_ms, x.source) < std::tie(y.start_ms, y.source);
    });
    return out;
  }

  bool IsFunded(const EntryId& id) const {
    auto it = nodes_.find(id);
    return it != nodes_.end() && it->second->connected && it->second->funded;
  }

  std::vector<EntryId> FulfilsOf(const EntryId& redeem) const {
    std::vector<EntryId> out;
    if (auto it = fulfils_by_redeem_.find(redeem); it != fulfils_by_redeem_.end()) {
      for (const Node* n : it->second) out.push_back(n->id());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::uint64_t connected_count() const { return nodes_.size() - pending_; }
  std::uint64_t pending_count() const { return pending_; }

  const std::map<EntryId, std::vector<Finding>>& Findings() const {
    if (!findings_valid_) {
      findings_ = CollectFindings();
      findings_valid_ = true;
    }
    return findings_;
  }

  crypto::Digest StateHash() const;

  Changes TakeChanges() {
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

 private:
  static bool Links(const Node* prev, const Entry& child) {
    return prev->e().author == child.author && prev->e().seq + 1 == child.seq;
  }

  Node* Store(VerifiedEntry v) {
    auto owned = std::make_unique<Node>();
    owned->v = std::move(v);
    Node* node = owned.get();
    const VerifiedEntry& stored = node->v;
    nodes_.emplace(stored.id, std::move(owned));
    Chain& chain = chains_[stored.entry.author];
    node->chain = &chain;
    auto& at_seq = Slot(chain.by_seq, stored.entry.seq);
    at_seq.push_back(node);
    if (at_seq.size() == 2) {
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

  void Drop(Node* node) {
    Chain& chain = *node->chain;
    auto& at_seq = chain.by_seq[node->e().seq];
    at_seq.erase(std::find(at_seq.begin(), at_seq.end(), node));
    if (at_seq.size() < 2 && chain.fork_seqs.erase(node->e().seq)) full_needed_ = true;
    if (at_seq.empty()) chain.by_seq.erase(node->e().seq);
    dropped_.push_back(node->id());
    --pending_;
    nodes_.erase(node->id());
  }

  void Connect(Node* first) {
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

  // Structural indexes, independent of governance; every connected entry is indexed.
  void Index(Node* n) {
    const Entry& e = n->e();
    Chain& chain = *n->chain;
    chain.head_seq = std::max(chain.head_seq, e.seq);
    ++chain.connected;
    chain.id_sum.Add(n->id().data());
    queue_.push_back(n);
    // On a forked chain, whether an entry is on the canonical branch is decided by
    // the full walk, never guessed incrementally.
    if (!chain.fork_seqs.empty()) full_needed_ = true;
    if (IsGovernance(e.kind)) {
      governance_.push_back(n);
      full_needed_ = true;
    } else if (auto* en = n->As<Enrol>()) {
      enrols_by_member_[en->member].push_back(n);
    } else if (auto* rec = n->As<ServiceRecord>()) {
      for (std::size_t i = 0; i < rec->volunteers.size(); ++i) {
        sources_by_key_[rec->volunteers[i]].push_back({n, static_cast<int>(i)});
      }
    } else if (n->As<ServiceClaim>()) {
      sources_by_key_[e.author].push_back({n, -1});
    } else if (auto* c = n->As<ServiceConfirm>()) {
      verdicts_by_claim_[c->claim].push_back(n);
    } else if (auto* r = n->As<ServiceReject>()) {
      verdicts_by_claim_[r->claim].push_back(n);
    } else if (n->As<Transfer>()) {
      chain.debits.push_back(n);
    } else if (auto* d = n->As<Redeem>()) {
      chain.debits.push_back(n);
      if (fulfils_by_redeem_.count(n->id())) redeems_with_fulfils_by_item_[d->item].push_back(n);
    } else if (n->As<CatalogItem>()) {
      item_nodes_[n->id()] = n;
    } else if (auto* s = n->As<Restock>()) {
      restocks_by_item_[s->item].push_back(n);
    } else if (auto* f = n->As<Fulfil>()) {
      auto& fulfils = fulfils_by_redeem_[f->redeem];
      fulfils.push_back(n);
      auto redeem = nodes_.find(f->redeem);
      if (fulfils.size() == 1 && redeem != nodes_.end() && redeem->second->connected &&
          redeem->second->As<Redeem>()) {
        redeems_with_fulfils_by_item_[redeem->second->As<Redeem>()->item].push_back(
            redeem->second.get());
      }
    } else if (n->As<AuditCheckpoint>()) {
      checkpoints_.push_back(n);
    }
  }

  // ---- incremental application ---------------------------------------------

  void FastApply(Node* n) {
    const Entry& e = n->e();
    touched_accounts_.insert(AccountOf(e.author));  // its head moved: roles "now" may change
    if (auto* en = n->As<Enrol>()) {
      RecomputeProfile(AccountOf(en->member));
    } else if (auto* rec = n->As<ServiceRecord>()) {
      std::set<PublicKey> slow;
      for (std::size_t i = 0; i < rec->volunteers.size(); ++i) {
        PublicKey root = AccountOf(rec->volunteers[i]);
        if (slow.count(root) || !TryCreditRecord(n, static_cast<int>(i), root)) slow.insert(root);
      }
      for (const auto& root : slow) RecomputeServices(root, /*incremental=*/true);
    } else if (n->As<ServiceClaim>()) {
      RecomputeServices(AccountOf(e.author), /*incremental=*/true);
    } else if (n->As<ServiceConfirm>() || n->As<ServiceReject>()) {
      const EntryId& claim = n->As<ServiceConfirm>() ? n->As<ServiceConfirm>()->claim
                                                     : n->As<ServiceReject>()->claim;
      auto it = nodes_.find(claim);
      if (it != nodes_.end() && it->second->connected && it->second->As<ServiceClaim>()) {
        RecomputeServices(AccountOf(it->second->e().author), /*incremental=*/true);
      }
    } else if (n->As<Transfer>() || n->As<Redeem>()) {
      if (n->As<Redeem>()) TouchItemOfRedeem(n);
      // The same exclusions as FullEvaluate: a reversal may have arrived first.
      if (Fenced(n) || (n->As<Transfer>() && IsReversed(n, std::nullopt))) return;
      PublicKey root = AccountOf(e.author);
      AccountState& a = accounts_[root];
      if (!a.debits.empty() && !DebitBefore(a.debits.back(), n)) {
        full_needed_ = true;  // arrived behind a later debit of the account: re-sort
        return;
      }
      a.debits.push_back(n);
      a.debit_sum = SaturatingAdd(a.debit_sum, DebitPoints(n));
      touched_accounts_.insert(root);
      Enqueue(root);
    } else if (n->As<CatalogItem>()) {
      items_to_recompute_.insert(n->id());
    } else if (auto* s = n->As<Restock>()) {
      items_to_recompute_.insert(s->item);
    } else if (auto* f = n->As<Fulfil>()) {
      auto it = nodes_.find(f->redeem);
      if (it != nodes_.end() && it->second->connected && it->second->As<Redeem>()) {
        items_to_recompute_.insert(it->second->As<Redeem>()->item);
      }
    }
  }

  // A voucher matters to its item's stock only once some fulfil names it.
  void TouchItemOfRedeem(const Node* redeem) {
    if (fulfils_by_redeem_.count(redeem->id())) {
      items_to_recompute_.insert(redeem->As<Redeem>()->item);
    }
  }

  bool DebitBefore(const Node* a, const Node* b) const {
    return std::tuple(KeyIndex(a->e().author), a->e().seq, a->id()) <
           std::tuple(KeyIndex(b->e().author), b->e().seq, b->id());
  }

  void Enqueue(const PublicKey& root) {
    AccountState& a = accounts_[root];
    if (!a.queued) {
      a.queued = true;
      worklist_.push_back(root);
    }
  }

  // ---- full evaluation -------------------------------------------------------

  void FullEvaluate() {
    EvaluateGovernance();
    accounts_.clear();
    worklist_.clear();
    for (auto& [key, chain] : chains_) {
      for (Node* d : chain.debits) {
        d->funded = false;
        if (Fenced(d) || (d->As<Transfer>() && IsReversed(d, std::nullopt))) continue;
        AccountState& a = accounts_[AccountOf(key)];
        a.debits.push_back(d);
        a.debit_sum = SaturatingAdd(a.debit_sum, DebitPoints(d));
      }
    }
    for (auto& [root, a] : accounts_) {
      std::sort(a.debits.begin(), a.debits.end(),
                [this](const Node* x, const Node* y) { return DebitBefore(x, y); });
    }
    std::set<PublicKey> roots;
    for (const auto& [key, sources] : sources_by_key_) roots.insert(AccountOf(key));
    for (const auto& root : roots) RecomputeServices(root, /*incremental=*/false);
    roots.clear();
    for (const auto& [member, enrols] : enrols_by_member_) roots.insert(AccountOf(member));
    for (const auto& root : roots) RecomputeProfile(root);
    RecomputeFunding();
    everything_changed_ = true;
  }

  // Authority in three fixed passes (docs/ledger-rules.md, "Authority"): roles are
  // computed, then key moves and fork resolutions made by those roles reshape
  // accounts and branches, twice, and roles are computed once more on the result.
  void EvaluateGovernance() {
    gov_ = Governance();
    std::vector<Node*> sorted = governance_;
    std::sort(sorted.begin(), sorted.end(),
              [](const Node* a, const Node* b) { return a->id() < b->id(); });
    ApplyPaths();
    for (int round = 0; round < 2; ++round) {
      gov_.roles = ComputeRoles(sorted);
      gov_.findings.clear();  // the last round's findings are the ones that stand
      ComputeMovesAndResolutions(sorted);
      ApplyPaths();
    }
    gov_.roles = ComputeRoles(sorted);
    for (Node* n : sorted) {
      if (!Active(n)) continue;
      bool admin = Authorised(n, Role::kAdmin);
      if (auto* g = n->As<NodeGrant>()) {
        if (admin) gov_.roster.insert(g->node);
      } else if (auto* v = n->As<Reversal>()) {
        if (admin) gov_.reversed[v->target].push_back(v->volunteer);
      }
      bool needs_admin = n->As<RoleGrant>() || n->As<RoleRevoke>() || n->As<NodeGrant>() ||
                         n->As<NodeRevoke>() || n->As<Reversal>() || n->As<Recover>() ||
                         n->As<ForkResolution>();
      if (needs_admin && !admin) gov_.findings.push_back({n->id(), {FindingCode::kRoleMissing, {}}});
    }
    for (Node* n : sorted) {
      if (auto* r = n->As<NodeRevoke>(); r && Active(n) && Authorised(n, Role::kAdmin)) {
        gov_.roster.erase(r->node);  // a revoked node key is never re-admitted
      }
    }
  }

  RoleBook ComputeRoles(const std::vector<Node*>& sorted) const {
    RoleBook base;
    for (const auto& admin : genesis_.admins) {
      base.Add(AccountOf(admin), Role::kAdmin, {KeyIndex(admin), 0, true});
    }
    std::vector<const Node*> grants, revokes;
    for (const Node* n : sorted) {
      if (!Active(n)) continue;
      if (n->As<RoleGrant>()) grants.push_back(n);
      if (n->As<RoleRevoke>()) revokes.push_back(n);
    }
    auto add_event = [this](RoleBook& book, const PublicKey& subject, Role role,
                            std::uint64_t boundary, bool grant) {
      book.Add(AccountOf(subject), role, {KeyIndex(subject), boundary + 1, grant});
    };
    // Grants are monotone: the least fixpoint from the genesis admins is unique.
    auto close_grants = [&](RoleBook book) {
      std::vector<bool> taken(grants.size(), false);
      for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t i = 0; i < grants.size(); ++i) {
          const Node* g = grants[i];
          if (taken[i] || !HoldsRole(book, g->e().author, g->e().seq, Role::kAdmin)) continue;
          const auto& c = *g->As<RoleGrant>();
          add_event(book, c.subject, c.role, c.boundary_seq, true);
          taken[i] = true;
          changed = true;
        }
      }
      return book;
    };
    RoleBook grants_only = close_grants(base);
    // Revocations in two rounds: first judged against grants alone, then against
    // grants plus the first round, so a revoked admin's later revocations fail.
    RoleBook with_first = grants_only;
    for (const Node* r : revokes) {
      if (HoldsRole(grants_only, r->e().author, r->e().seq, Role::kAdmin)) {
        const auto& c = *r->As<RoleRevoke>();
        add_event(with_first, c.subject, c.role, c.boundary_seq, false);
      }
    }
    RoleBook final_base = base;
    for (const Node* r : revokes) {
      if (HoldsRole(with_first, r->e().author, r->e().seq, Role::kAdmin)) {
        const auto& c = *r->As<RoleRevoke>();
        add_event(final_base, c.subject, c.role, c.boundary_seq, false);
      }
    }
    return close_grants(std::move(final_base));
  }

  void ComputeMovesAndResolutions(const std::vector<Node*>& sorted) {
    KeyMap<PublicKey> next, from;
    KeyMap<std::uint64_t> fence;
    std::map<std::pair<PublicKey, std::uint64_t>, EntryId> resolutions;
    for (const Node* n : sorted) {
      if (!Active(n)) continue;
      if (auto* f = n->As<ForkResolution>()) {
        if (Authorised(n, Role::kAdmin)) resolutions.emplace(std::pair(f->author, f->seq), f->chosen);
        continue;
      }
      const PublicKey* old_key = nullptr;
      const PublicKey* new_key = nullptr;
      std::uint64_t boundary = 0;
      if (auto* k = n->As<KeyRotate>()) {
        old_key = &k->old_key, new_key = &k->new_key, boundary = k->boundary_seq;
      } else if (auto* r = n->As<Recover>()) {
        if (!Authorised(n, Role::kAdmin)) continue;
        old_key = &r->old_key, new_key = &r->new_key, boundary = r->boundary_seq;
      } else {
        continue;
      }
      bool cycle = false;
      for (auto k = next.find(*new_key); k != next.end(); k = next.find(k->second)) {
        if (k->second == *old_key) cycle = true;
      }
      if (next.count(*old_key) || from.count(*new_key) || cycle) {
        gov_.findings.push_back({n->id(), {FindingCode::kConflictingKeyMove, {}}});
        continue;
      }
      next[*old_key] = *new_key;
      from[*new_key] = *old_key;
      fence[*old_key] = boundary;
    }
    gov_.root_of.clear();
    gov_.keys_of.clear();
    for (const auto& [old_key, new_key] : next) {
      if (from.count(old_key)) continue;  // not a root
      std::vector<PublicKey> keys{old_key};
      for (auto k = next.find(old_key); k != next.end(); k = next.find(k->second)) {
        keys.push_back(k->second);
        gov_.root_of[k->second] = old_key;
      }
      gov_.keys_of[old_key] = std::move(keys);
    }
    gov_.fence = std::move(fence);
    gov_.resolutions = std::move(resolutions);
  }

  // Marks the canonical branch of every forked chain: from seq 1, follow the one
  // child; at a fork, follow the admin's resolution if there is one, else stop.
  void ApplyPaths() {
    for (auto& [author, chain] : chains_) {
      if (chain.fork_seqs.empty()) continue;
      for (auto& [seq, nodes] : chain.by_seq) {
        for (Node* n : nodes) n->on_path = false;
      }
      const Node* prev = nullptr;
      for (std::uint64_t seq = 1;; ++seq) {
        auto it = chain.by_seq.find(seq);
        if (it == chain.by_seq.end()) break;
        std::vector<Node*> next;
        for (Node* n : it->second) {
          if (n->connected && (seq == 1 || *n->e().prev == prev->id())) next.push_back(n);
        }
        Node* chosen = nullptr;
        if (next.size() == 1) {
          chosen = next[0];
        } else if (next.size() > 1) {
          auto r = gov_.resolutions.find({author, seq});
          if (r != gov_.resolutions.end()) {
            for (Node* n : next) {
              if (n->id() == r->second) chosen = n;
            }
          }
        }
        if (chosen == nullptr) break;
        chosen->on_path = true;
        prev = chosen;
      }
    }
  }

  // ---- services --------------------------------------------------------------

  struct Candidate {
    std::uint64_t start_ms;
    EntryId id;
    PublicKey volunteer;
    std::uint32_t minutes;
    const std::string* category;
  };

  enum class ClaimState { kAwaiting, kConfirmed, kRejected };

  // Judges a claim's confirmations and rejections, recording findings about the
  // verdicts that do not count. A valid rejection always wins over confirmations.
  ClaimState JudgeClaim(const Node* claim, const PublicKey& root,
                        std::vector<std::pair<EntryId, Finding>>& findings) const {
    bool confirmed = false, rejected = false;
    auto it = verdicts_by_claim_.find(claim->id());
    if (it != verdicts_by_claim_.end()) {
      const auto& beneficiary = claim->As<ServiceClaim>()->beneficiary;
      for (const Node* v : it->second) {
        if (!Active(v)) continue;
        bool confirm = v->As<ServiceConfirm>() != nullptr;
        if (confirm && IsReversed(v, std::nullopt)) continue;
        PublicKey by = AccountOf(v->e().author);
        if (by == root) {
          findings.push_back({v->id(), {FindingCode::kSelfConfirmation, {}}});
          continue;
        }
        bool may = Authorised(v, Role::kCoordinator) ||
                   (beneficiary && AccountOf(*beneficiary) == by);
        if (!may) {
          findings.push_back({v->id(), {FindingCode::kRoleMissing, {}}});
          continue;
        }
        (confirm ? confirmed : rejected) = true;
      }
    }
    if (rejected) return ClaimState::kRejected;
    return confirmed ? ClaimState::kConfirmed : ClaimState::kAwaiting;
  }

  // Why the record's credit for volunteer `index` cannot count, or nullopt if it can
  // (before overlap and day caps, which depend on the volunteer's other service).
  std::optional<FindingCode> RecordProblem(const Node* node, const PublicKey& root) const {
    const auto& rec = *node->As<ServiceRecord>();
    if (!Authorised(node, Role::kCoordinator)) return FindingCode::kRoleMissing;
    if (AccountOf(node->e().author) == root) return FindingCode::kSelfRecord;
    return AmountProblem(rec.category, rec.minutes);
  }
  std::optional<FindingCode> AmountProblem(const std::string& category,
                                           std::uint32_t minutes) const {
    if (!rates_.count(category)) return FindingCode::kUnknownCategory;
    if (genesis_.policy.max_minutes_per_entry != 0 &&
        minutes > genesis_.policy.max_minutes_per_entry) {
      return FindingCode::kEntryCapExceeded;
    }
    return std::nullopt;
  }

  std::int64_t LocalDay(std::uint64_t start_ms) const {
    std::int64_t local = static_cast<std::int64_t>(start_ms) +
                         std::int64_t{genesis_.policy.utc_offset_minutes} * 60'000;
    return local >= 0 ? local / kDayMs : (local - kDayMs + 1) / kDayMs;
  }

  // Whether a credited interval of `a` overlaps [start, end).
  static bool Overlaps(const AccountState& a, std::uint64_t start, std::uint64_t end) {
    if (a.intervals.empty()) return false;
    // Service mostly arrives in time order: check the newest interval without a
    // tree walk, which at a million entries is a chain of cache misses.
    auto last = std::prev(a.intervals.end());
    if (last->first < start) return last->second > start;
    auto next = a.intervals.lower_bound(start);
    if (next != a.intervals.end() && next->first < end) return true;
    return next != a.intervals.begin() && std::prev(next)->second > start;
  }

  bool OverDayCap(const AccountState& a, std::int64_t day, std::uint32_t minutes) const {
    if (genesis_.policy.max_minutes_per_day == 0) return false;
    std::uint64_t used = 0;
    if (!a.day_minutes.empty() && a.day_minutes.rbegin()->first < day) {
      used = 0;  // a day after every credited one
    } else if (auto it = a.day_minutes.find(day); it != a.day_minutes.end()) {
      used = it->second;
    }
    return used + minutes > genesis_.policy.max_minutes_per_day;
  }

  void Credit(AccountState& a, const Candidate& c) {
    Slot(a.intervals, c.start_ms) = c.start_ms + std::uint64_t{c.minutes} * 60'000;
    Slot(a.day_minutes, LocalDay(c.start_ms)) += c.minutes;
    a.minutes += c.minutes;
    a.by_category[*c.category] += c.minutes;
    a.service_points += std::uint64_t{c.minutes} * rates_.at(*c.category) / 60;
    a.credited.push_back({c.id, c.volunteer});
  }

  // The incremental path for one volunteer of a new record. A credit that overlaps
  // nothing credited and fits the day's cap takes the same place in the canonical
  // order as a full recompute would give it and changes no other credit, so it is
  // added directly (docs/ledger-rules.md, "Incremental application"). Returns false
  // when the volunteer's service must be recomputed instead.
  bool TryCreditRecord(const Node* node, int index, const PublicKey& root) {
    if (!Active(node)) return true;
    AccountState& a = accounts_[root];
    const auto& rec = *node->As<ServiceRecord>();
    const PublicKey& volunteer = rec.volunteers[static_cast<std::size_t>(index)];
    touched_accounts_.insert(root);
    if (auto problem = RecordProblem(node, root)) {
      a.service_findings.push_back({node->id(), {*problem, volunteer}});
      return true;
    }
    if (IsReversed(node, volunteer)) {
      a.service_findings.push_back({node->id(), {FindingCode::kReversed, volunteer}});
      return true;
    }
    std::uint64_t end = rec.start_ms + std::uint64_t{rec.minutes} * 60'000;
    if (Overlaps(a, rec.start_ms, end) || OverDayCap(a, LocalDay(rec.start_ms), rec.minutes)) {
      return false;
    }
    for (const auto& [start, stop] : a.refused) {
      if (start < end && rec.start_ms < stop) return false;
    }
    Credit(a, {rec.start_ms, node->id(), volunteer, rec.minutes, &rec.category});
    Enqueue(root);
    return true;
  }

  void RecomputeServices(const PublicKey& root, bool incremental) {
    AccountState& a = accounts_[root];
    std::vector<std::pair<EntryId, Finding>> findings;
    std::vector<Candidate> eligible;
    for (const PublicKey& key : KeysOf(root)) {
      auto sources = sources_by_key_.find(key);
      if (sources == sources_by_key_.end()) continue;
      for (const auto& [node, index] : sources->second) {
        if (!Active(node)) continue;
        if (auto* rec = node->As<ServiceRecord>()) {
          const PublicKey& subject = rec->volunteers[static_cast<std::size_t>(index)];
          if (auto problem = RecordProblem(node, root)) {
            findings.push_back({node->id(), {*problem, subject}});
          } else if (IsReversed(node, subject)) {
            findings.push_back({node->id(), {FindingCode::kReversed, subject}});
          } else {
            eligible.push_back({rec->start_ms, node->id(), subject, rec->minutes, &rec->category});
          }
        } else {
          const auto& claim = *node->As<ServiceClaim>();
          ClaimState state = JudgeClaim(node, root, findings);
          if (IsReversed(node, std::nullopt)) {
            findings.push_back({node->id(), {FindingCode::kReversed, {}}});
          } else if (state == ClaimState::kRejected) {
            findings.push_back({node->id(), {FindingCode::kRejected, {}}});
          } else if (state == ClaimState::kConfirmed) {
            if (auto problem = AmountProblem(claim.category, claim.minutes)) {
              findings.push_back({node->id(), {*problem, {}}});
            } else {
              eligible.push_back({claim.start_ms, node->id(), key, claim.minutes, &claim.category});
            }
          }
        }
      }
    }
    // Canonical order: by start, then id; the earlier interval keeps its place.
    std::sort(eligible.begin(), eligible.end(), [](const Candidate& x, const Candidate& y) {
      return std::tie(x.start_ms, x.id, x.volunteer) < std::tie(y.start_ms, y.id, y.volunteer);
    });
    const std::uint64_t old_points = a.service_points;
    auto old_credited = std::move(a.credited);
    a.credited.clear();
    a.intervals.clear();
    a.day_minutes.clear();
    a.refused.clear();
    a.by_category.clear();
    a.minutes = 0;
    a.service_points = 0;
    for (const auto& c : eligible) {
      std::optional<PublicKey> subject;
      if (nodes_.at(c.id)->As<ServiceRecord>()) subject = c.volunteer;
      std::uint64_t end = c.start_ms + std::uint64_t{c.minutes} * 60'000;
      if (Overlaps(a, c.start_ms, end)) {
        findings.push_back({c.id, {FindingCode::kOverlap, subject}});
        a.refused.push_back({c.start_ms, end});
      } else if (OverDayCap(a, LocalDay(c.start_ms), c.minutes)) {
        findings.push_back({c.id, {FindingCode::kDayCapExceeded, subject}});
        a.refused.push_back({c.start_ms, end});
      } else {
        Credit(a, c);
      }
    }
    if (incremental) {
      // A credit taken away can unfund debits anywhere downstream: start funding over.
      auto now_credited = a.credited;
      std::sort(now_credited.begin(), now_credited.end());
      std::sort(old_credited.begin(), old_credited.end());
      if (!std::includes(now_credited.begin(), now_credited.end(), old_credited.begin(),
                         old_credited.end())) {
        funding_dirty_ = true;
      } else if (a.service_points > old_points) {
        Enqueue(root);
      }
    }
    a.service_findings = std::move(findings);
    touched_accounts_.insert(root);
  }

  void RecomputeProfile(const PublicKey& root) {
    AccountState& a = accounts_[root];
    a.profile = nullptr;
    for (const PublicKey& key : KeysOf(root)) {
      auto it = enrols_by_member_.find(key);
      if (it == enrols_by_member_.end()) continue;
      for (const Node* n : it->second) {
        if (!Active(n) || !(Authorised(n, Role::kAdmin) || Authorised(n, Role::kCoordinator))) {
          continue;
        }
        // Profiles are informational, so the newest by the author's clock wins.
        if (a.profile == nullptr || std::tie(n->e().timestamp_ms, n->id()) >
                                        std::tie(a.profile->e().timestamp_ms, a.profile->id())) {
          a.profile = n;
        }
      }
    }
    touched_accounts_.insert(root);
  }

  // ---- funding ---------------------------------------------------------------

  void RecomputeFunding() {
    worklist_.clear();
    for (auto& [root, a] : accounts_) {
      a.received = 0;
      a.funded = 0;
      a.funded_sum = 0;
      a.queued = false;
      for (Node* d : a.debits) d->funded = false;
      Enqueue(root);
      touched_accounts_.insert(root);
    }
    RunFunding();
    for (const auto& [id, node] : item_nodes_) items_to_recompute_.insert(id);
  }

  // Extends funded prefixes until nothing moves. Credits only grow here, so this
  // reaches the least fixpoint: points circulating in a cycle of unfunded transfers
  // never fund each other.
  void RunFunding() {
    while (!worklist_.empty()) {
      PublicKey root = worklist_.front();
      worklist_.pop_front();
      AccountState& a = accounts_[root];
      a.queued = false;
      std::uint64_t credits = SaturatingAdd(a.service_points, a.received);
      while (a.funded < a.debits.size() &&
             a.funded_sum + DebitPoints(a.debits[a.funded]) <= credits) {
        Node* d = a.debits[a.funded++];
        a.funded_sum += DebitPoints(d);
        d->funded = true;
        touched_accounts_.insert(root);
        if (auto* t = d->As<Transfer>()) {
          if (Active(d)) {
            PublicKey to = AccountOf(t->to);
            accounts_[to].received = SaturatingAdd(accounts_[to].received, t->points);
            touched_accounts_.insert(to);
            Enqueue(to);
          }
        } else {
          TouchItemOfRedeem(d);
        }
      }
    }
  }

  // ---- catalogue -------------------------------------------------------------

  void RecomputeItem(const EntryId& id) {
    auto node_it = item_nodes_.find(id);
    if (node_it == item_nodes_.end()) return;
    const Node* node = node_it->second;
    ItemState item;
    item.node = node;
    touched_items_.insert(id);
    if (!Active(node)) {
      items_[id] = std::move(item);
      return;
    }
    if (!Authorised(node, Role::kStation)) {
      item.findings.push_back({id, {FindingCode::kRoleMissing, {}}});
      items_[id] = std::move(item);
      return;
    }
    item.listed = true;
    const auto& catalog = *node->As<CatalogItem>();
    const PublicKey station = AccountOf(node->e().author);
    item.stock = catalog.stock;
    if (auto it = restocks_by_item_.find(id); it != restocks_by_item_.end()) {
      for (const Node* r : it->second) {
        if (!Active(r)) continue;
        if (AccountOf(r->e().author) != station || !Authorised(r, Role::kStation)) {
          item.findings.push_back({r->id(), {FindingCode::kRoleMissing, {}}});
          continue;
        }
        item.stock += r->As<Restock>()->added;
      }
    }
    std::vector<std::pair<const Node*, const Node*>> fulfils;  // (fulfil, redeem)
    if (auto it = redeems_with_fulfils_by_item_.find(id);
        it != redeems_with_fulfils_by_item_.end()) {
      for (const Node* redeem : it->second) {
        for (const Node* fulfil : fulfils_by_redeem_.at(redeem->id())) {
          fulfils.push_back({fulfil, redeem});
        }
      }
    }
    std::sort(fulfils.begin(), fulfils.end(),
              [](const auto& x, const auto& y) { return x.first->id() < y.first->id(); });
    IdSet fulfilled;
    for (const auto& [f, redeem] : fulfils) {
      if (!Active(f)) continue;
      const auto& voucher = *redeem->As<Redeem>();
      const EntryId fulfil_id = f->id();  // clang 14 cannot capture a structured binding
      auto finding = [&](FindingCode code) { item.findings.push_back({fulfil_id, {code, {}}}); };
      if (!Authorised(f, Role::kStation)) {
        finding(FindingCode::kRoleMissing);
      } else if (AccountOf(f->e().author) != station || AccountOf(voucher.station) != station ||
                 voucher.points < catalog.price) {
        finding(FindingCode::kVoucherMismatch);
      } else if (!redeem->funded) {
        finding(FindingCode::kUnfunded);
      } else if (!fulfilled.insert(redeem->id()).second) {
        finding(FindingCode::kAlreadyFulfilled);
      } else if (item.stock == 0) {
        finding(FindingCode::kOutOfStock);  // handed over beyond stock: flagged, stock stays 0
      } else {
        --item.stock;
        ++item.fulfilled;
      }
    }
    items_[id] = std::move(item);
  }

  // ---- findings --------------------------------------------------------------

  std::map<EntryId, std::vector<Finding>> CollectFindings() const {
    std::map<EntryId, std::vector<Finding>> out;
    auto add = [&](const std::vector<std::pair<EntryId, Finding>>& list) {
      for (const auto& [id, f] : list) out[id].push_back(f);
    };
    for (const auto& [author, chain] : chains_) {
      if (!chain.fork_seqs.empty()) {
        for (auto seq : chain.fork_seqs) {
          for (const Node* n : chain.by_seq.at(seq)) out[n->id()].push_back({FindingCode::kFork, {}});
        }
        for (const auto& [seq, nodes] : chain.by_seq) {
          for (const Node* n : nodes) {
            if (n->connected && !n->on_path && !Fenced(n)) {
              out[n->id()].push_back({FindingCode::kSuspended, {}});
            }
          }
        }
      }
      if (auto fence = gov_.fence.find(author); fence != gov_.fence.end()) {
        for (auto it = chain.by_seq.upper_bound(fence->second); it != chain.by_seq.end(); ++it) {
          for (const Node* n : it->second) {
            if (n->connected) out[n->id()].push_back({FindingCode::kFenced, {}});
          }
        }
      }
    }
    add(gov_.findings);
    for (const auto& [root, a] : accounts_) {
      add(a.service_findings);
      for (std::size_t i = a.funded; i < a.debits.size(); ++i) {
        out[a.debits[i]->id()].push_back({FindingCode::kUnfunded, {}});
      }
    }
    for (const auto& [id, item] : items_) add(item.findings);
    for (const auto& [member, enrols] : enrols_by_member_) {
      for (const Node* n : enrols) {
        if (Active(n) && !Authorised(n, Role::kAdmin) && !Authorised(n, Role::kCoordinator)) {
          out[n->id()].push_back({FindingCode::kRoleMissing, {}});
        }
      }
    }
    for (const Node* n : checkpoints_) {
      if (Active(n) && !Authorised(n, Role::kAuditor)) {
        out[n->id()].push_back({FindingCode::kRoleMissing, {}});
      }
    }
    // Only reversal targets can be reversed transfers: no walk over every entry.
    for (const auto& [target, who] : gov_.reversed) {
      auto it = nodes_.find(target);
      if (it == nodes_.end()) continue;
      const Node* n = it->second.get();
      if (n->As<Transfer>() && n->connected && IsReversed(n, std::nullopt)) {
        out[target].push_back({FindingCode::kReversed, {}});
      }
    }
    for (auto& [id, list] : out) {
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    return out;
  }

 private:
  // ---- data --------------------------------------------------------------------
  NetworkId network_;
  Genesis genesis_;
  std::unordered_map<std::string, std::uint32_t> rates_;

  IdMap<std::unique_ptr<Node>> nodes_;
  KeyMap<Chain> chains_;
  IdMap<std::vector<Node*>> waiting_;  // pending entries by the prev they wait for
  std::uint64_t pending_ = 0;

  std::vector<Node*> governance_;
  KeyMap<std::vector<Node*>> enrols_by_member_;
  KeyMap<std::vector<std::pair<Node*, int>>> sources_by_key_;  // (record, index) or (claim, -1)
  IdMap<std::vector<Node*>> verdicts_by_claim_;
  // Connected redeems that some connected fulfil names, by item: what stock depends on.
  IdMap<std::vector<Node*>> redeems_with_fulfils_by_item_;
  IdMap<std::vector<Node*>> restocks_by_item_;
  IdMap<std::vector<Node*>> fulfils_by_redeem_;
  IdMap<Node*> item_nodes_;
  std::vector<Node*> checkpoints_;

  Governance gov_;
  KeyMap<AccountState> accounts_;
  IdMap<ItemState> items_;
  std::deque<PublicKey> worklist_;

  std::vector<Node*> queue_;  // connected since the last Settle()
  bool full_needed_ = true;
  bool funding_dirty_ = false;
  std::set<EntryId> items_to_recompute_;

  std::vector<const VerifiedEntry*> connected_from_pending_;
  std::vector<EntryId> dropped_;
  std::set<PublicKey> touched_accounts_;
  std::set<EntryId> touched_items_;
  bool everything_changed_ = false;

  mutable std::map<EntryId, std::vector<Finding>> findings_;
  mutable bool findings_valid_ = false;
};

crypto::Digest LedgerState::Impl::StateHash() const {
  Writer w;
  w.Str("lovebank/state/v1");
  w.Fixed(network_);
  w.U64(connected_count());
  for (const auto& a : Accounts()) {
    w.Fixed(a.id);
    w.U64(a.keys.size());
    for (const auto& k : a.keys) w.Fixed(k);
    w.U64(a.minutes);
    w.U64(a.minutes_by_category.size());
    for (const auto& [category, minutes] : a.minutes_by_category) {
      w.Str(category);
      w.U64(minutes);
    }
    w.U64(a.service_points);
    w.U64(a.received_points);
    w.U64(a.spent_points);
    w.U64(a.unfunded_points);
    w.U64(a.debit_count);
    w.U64(a.profile ? 1 : 0);
    if (a.profile) {
      w.Str(a.profile->name);
      w.Str(a.profile->grid);
      w.Str(a.profile->building);
      w.U64(a.profile->teams.size());
      for (const auto& t : a.profile->teams) w.Str(t);
    }
  }
  for (const auto& [root, roles] : gov_.roles.Sorted()) {
    w.Fixed(root);
    for (int r = 1; r < kRoleCount; ++r) {
      w.U64(roles[r].size());
      for (const auto& ev : roles[r]) {
        w.U64(ev.key_index);
        w.U64(ev.from_seq);
        w.U64(ev.grant);
      }
    }
  }
  w.U64(gov_.roster.size());
  for (const auto& k : gov_.roster) w.Fixed(k);
  for (const auto& item : Items()) {
    w.Fixed(item.id);
    w.Fixed(item.station);
    w.U64(item.stock);
    w.U64(item.fulfilled);
  }
  for (const auto& fork : Forks()) {
    w.Fixed(fork.author);
    w.U64(fork.seq);
    for (const auto& id : fork.entries) w.Fixed(id);
  }
  for (const auto& [id, findings] : Findings()) {
    w.Fixed(id);
    w.U64(findings.size());
    for (const auto& f : findings) {
      w.U64(static_cast<std::uint64_t>(f.code));
      w.Fixed(f.subject.value_or(PublicKey()));
    }
  }
  return crypto::Blake2b256(w.out);
}

// ---- public facade -------------------------------------------------------------

LedgerState::LedgerState(const VerifiedEntry& genesis) : impl_(std::make_unique<Impl>(genesis)) {}
LedgerState::~LedgerState() = default;
const NetworkId& LedgerState::network() const { return impl_->network(); }
const Genesis& LedgerState::genesis() const { return impl_->genesis(); }
AddResult LedgerState::Add(VerifiedEntry entry) { return impl_->Add(std::move(entry)); }
void LedgerState::Settle() { impl_->Settle(); }
crypto::Digest LedgerState::StateHash() const { return impl_->StateHash(); }
std::optional<AccountView> LedgerState::Account(const PublicKey& key) const {
  return impl_->Account(key);
}
std::vector<AccountView> LedgerState::Accounts() const { return impl_->Accounts(); }
std::vector<ItemView> LedgerState::Items() const { return impl_->Items(); }
std::vector<ForkEvidence> LedgerState::Forks() const { return impl_->Forks(); }
std::vector<PublicKey> LedgerState::NodeRoster() const { return impl_->NodeRoster(); }
EntryStatus LedgerState::Status(const EntryId& id) const { return impl_->Status(id); }
std::vector<Finding> LedgerState::FindingsFor(const EntryId& id) const {
  const auto& all = impl_->Findings();
  auto it = all.find(id);
  return it == all.end() ? std::vector<Finding>{} : it->second;
}
const std::map<EntryId, std::vector<Finding>>& LedgerState::Findings() const {
  return impl_->Findings();
}
bool LedgerState::HoldsRole(const PublicKey& key, std::uint64_t seq, Role role) const {
  return impl_->HoldsRole(key, seq, role);
}
PublicKey LedgerState::AccountOf(const PublicKey& key) const { return impl_->AccountOf(key); }
std::uint64_t LedgerState::Spendable(const PublicKey& key) const { return impl_->Spendable(key); }
std::uint64_t LedgerState::HeadSeq(const PublicKey& key) const { return impl_->HeadSeq(key); }
bool LedgerState::ForkedAt(const PublicKey& author, std::uint64_t seq) const {
  return impl_->ForkedAt(author, seq);
}
ChainSummary LedgerState::Summary(const PublicKey& author) const { return impl_->Summary(author); }
void LedgerState::Reserve(std::size_t entries) { impl_->Reserve(entries); }
std::vector<std::pair<std::uint64_t, EntryId>> LedgerState::ChainIds(
    const PublicKey& author) const {
  return impl_->ChainIds(author);
}
void LedgerState::ForEachChain(
    const std::function<void(const PublicKey&, const ChainSummary&)>& fn) const {
  impl_->ForEachChain(fn);
}
const VerifiedEntry* LedgerState::Find(const EntryId& id) const { return impl_->Find(id); }
void LedgerState::ForEachEntry(
    const std::function<void(const VerifiedEntry&, bool connected)>& fn) const {
  impl_->ForEachEntry(fn);
}
void LedgerState::ForEachCredit(const std::function<void(const ServiceCredit&)>& fn) const {
  impl_->ForEachCredit(fn);
}
std::vector<ServiceCredit> LedgerState::Credits(const PublicKey& key) const {
  return impl_->Credits(key);
}
bool LedgerState::IsFunded(const EntryId& id) const { return impl_->IsFunded(id); }
std::vector<EntryId> LedgerState::FulfilsOf(const EntryId& redeem) const {
  return impl_->FulfilsOf(redeem);
}
std::uint64_t LedgerState::connected_count() const { return impl_->connected_count(); }
std::uint64_t LedgerState::pending_count() const { return impl_->pending_count(); }
LedgerState::Changes LedgerState::TakeChanges() { return impl_->TakeChanges(); }

}  // namespace lovebank::ledger
