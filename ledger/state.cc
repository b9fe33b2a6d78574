#include "ledger/state.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <deque>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include <boost/container/flat_map.hpp>

namespace lovebank::ledger {
namespace {

template <class V>
using KeyMap = std::unordered_map<PublicKey, V, FixedBytesHash>;
template <class V>
using IdMap = std::unordered_map<EntryId, V, FixedBytesHash>;
using IdSet = std::unordered_set<EntryId, FixedBytesHash>;

constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;

struct Chain;

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
bool IsGovernance(const EntryKind& kind) {
  return std::holds_alternative<Genesis>(kind) || std::holds_alternative<Enrol>(kind) || std::holds_alternative<RoleGrant>(kind) ||
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
// `by` and `by_index`/`by_seq` name the admin act that made it (the admin's account
// and its position), which settles a grant and a revocation at one position.
struct RoleEvent {
  std::uint32_t key_index;
  std::uint64_t from_seq;
  bool grant;
  PublicKey by;  // zero for the genesis admins
  std::uint32_t by_index = 0;
  std::uint64_t by_seq = 0;
  auto operator<=>(const RoleEvent&) const = default;
  auto position() const { return std::pair(key_index, from_seq); }
  bool Supersedes(const RoleEvent& other) const {
    return by == other.by && std::pair(by_index, by_seq) > std::pair(other.by_index, other.by_seq);
  }
};

class RoleBook {
 public:
  void Add(const PublicKey& root, Role role, RoleEvent event) {
    events_[root][static_cast<int>(role)].push_back(event);
  }
  // The latest event at or before the position decides. At one position the role
  // holds only if some grant there supersedes every revocation there: the same admin
  // signed it later in their own chain (a re-grant after a revocation). Otherwise
  // the revocation wins: two admins' acts have no order a node could agree on.
  bool Holds(const PublicKey& root, std::uint32_t key_index, std::uint64_t seq, Role role) const {
    auto it = events_.find(root);
    if (it == events_.end()) return false;
    const auto at = std::pair(key_index, seq);
    std::optional<std::pair<std::uint32_t, std::uint64_t>> latest;
    for (const auto& ev : it->second[static_cast<int>(role)]) {
      if (ev.position() <= at && (!latest || ev.position() > *latest)) latest = ev.position();
    }
    if (!latest) return false;
    const auto& events = it->second[static_cast<int>(role)];
    for (const auto& grant : events) {
      if (!grant.grant || grant.position() != *latest) continue;
      bool wins = true;
      for (const auto& revoke : events) {
        if (!revoke.grant && revoke.position() == *latest && !grant.Supersedes(revoke)) {
          wins = false;
        }
      }
      if (wins) return true;
    }
    return false;
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
  // Sorted vectors, not trees: 16 bytes a credit instead of about 64 each. Credits
  // come mostly in time order (the full path sorts them by start), so inserts are
  // appends; an entry dated back moves the later ones of its account along.
  boost::container::flat_map<std::uint64_t, std::uint64_t> intervals;  // start -> end
  boost::container::flat_map<std::int64_t, std::uint64_t> day_minutes;  // per local day
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

// What a trial changed in one account (LedgerState::TryAdmit): the sums and sizes from
// before, the map entries its credits set, and a copy when the account's services were
// recomputed whole. Restoring puts the copy back, then undoes the noted appends.
struct AccountUndo {
  bool existed = false;
  std::uint64_t minutes = 0, service_points = 0, debit_sum = 0, received = 0, funded_sum = 0;
  std::size_t funded = 0, credited = 0, debits = 0, service_findings = 0;
  bool queued = false;
  std::vector<std::uint64_t> intervals;                                    // starts added
  std::vector<std::pair<std::int64_t, std::optional<std::uint64_t>>> days;  // minutes before
  std::vector<std::pair<std::string, std::optional<std::uint64_t>>> categories;
  std::optional<AccountState> copy;
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
    const std::uint64_t days = genesis_.policy.service_window_days != 0
                                   ? genesis_.policy.service_window_days
                                   : kDefaultServiceWindowDays;
    window_ms_ = days * static_cast<std::uint64_t>(kDayMs);
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
    Apply();
    if (findings_dirty_) {
      findings_ = CollectFindings();
      findings_dirty_ = false;
    }
  }

  // Settle() without collecting findings: what a trial runs between its steps.
  void Apply() {
    if (!queue_.empty() || full_needed_ || funding_dirty_ || !worklist_.empty() ||
        !items_to_recompute_.empty()) {
      findings_dirty_ = true;
    }
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
  }

  // ---- trials: one judgement for admission ----------------------------------

  Trial TryAdmit(std::vector<VerifiedEntry> entries, const TrialOptions& options) {
    Apply();  // what earlier, unjudged additions changed is not part of this trial
    struct Submitted {
      EntryId id;
      Entry entry;
      Bytes before;
      Node* node = nullptr;
    };
    std::vector<Submitted> cands;
    for (const auto& v : entries) cands.push_back({v.id, v.entry, Effect(v.entry), nullptr});
    trial_ = true;
    trial_full_ = false;
    trial_connected_mark_ = connected_from_pending_.size();
    const std::size_t not_member_mark = not_member_transfers_.size();
    Trial result;
    // The role table first: an act by someone without the role is refused before
    // anything is added, so strangers cannot make the node re-evaluate the ledger.
    for (std::size_t i = 0; i < cands.size(); ++i) {
      if (!nodes_.count(cands[i].id) && !HasRoleFor(cands[i].entry)) {
        trial_ = false;
        result.admitted = false;
        result.index = i;
        result.problem = TrialProblem::kFinding;
        result.finding = Finding{FindingCode::kRoleMissing, {}};
        result.about = cands[i].id;
        return result;
      }
    }
    auto refuse = [&](std::size_t index, TrialProblem problem) {
      result.admitted = false;
      result.index = index;
      result.problem = problem;
    };
    std::vector<Node*> added;
    for (std::size_t i = 0; i < entries.size() && result.admitted; ++i) {
      if (nodes_.count(cands[i].id)) continue;  // already stored: a retry or a known fact
      if (cands[i].entry.seq <= HeadSeq(cands[i].entry.author)) {
        refuse(i, TrialProblem::kChain);  // a second entry at a seq already used: a fork
        result.reason = "this node already holds a different entry " +
                        std::to_string(cands[i].entry.seq) + " of the chain";
        break;
      }
      AddResult add = Add(std::move(entries[i]));
      if (add.outcome == AddOutcome::kInvalid) {
        refuse(i, TrialProblem::kChain);
        result.reason = add.reason;
        break;
      }
      Node* n = nodes_.at(cands[i].id).get();
      cands[i].node = n;
      added.push_back(n);
      if (add.outcome == AddOutcome::kPending && !options.allow_pending) {
        refuse(i, TrialProblem::kPending);
      }
      if (n->As<ServiceClaim>()) assumed_.push_back(n);
    }
    if (result.admitted) {
      Apply();
      for (std::size_t i = 0; i < cands.size() && result.admitted; ++i) {
        const Node* n = cands[i].node;
        if (n == nullptr || (options.allow_pending && !n->connected)) continue;
        result.status = Status(n->id());
        if (result.status != EntryStatus::kActive) {
          refuse(i, TrialProblem::kInactive);
          break;
        }
        bool forgiven = false;  // a forgiven finding stands for the effect it stops
        for (const Finding& f : FindingsOfEntry(n)) {
          if (options.forgive && options.forgive(n->v, f)) {
            forgiven = true;
            continue;
          }
          refuse(i, TrialProblem::kFinding);
          result.finding = f;
          result.conflict = ConflictOf(n, f);
          break;
        }
        if (!result.admitted) break;
        if (forgiven) continue;
        if (auto problem = TargetProblem(*n, cands[i].before, options, result)) {
          refuse(i, *problem);
        }
      }
      for (const auto& [source, volunteer] : lost_credits_) {
        if (!result.admitted) break;
        if (Intends(cands, source)) continue;
        refuse(cands.size() - 1, TrialProblem::kTakesCredit);
        result.about = source;
        auto lost = FindingsOfEntry(nodes_.at(source).get());
        if (!lost.empty()) result.finding = lost.front();
        result.conflict = cands.back().id;
      }
    }
    trial_ = false;
    const bool restore = !result.admitted || !assumed_.empty();
    // Funding flags first: the journal may point at entries the retraction deletes.
    if (restore && !trial_full_) {
      for (Node* d : funded_undo_) d->funded = false;
    }
    if (!result.admitted) {
      // Entries the trial connected out of the pending pool go back to it first.
      while (connected_from_pending_.size() > trial_connected_mark_) {
        auto* v = connected_from_pending_.back();
        connected_from_pending_.pop_back();
        Disconnect(nodes_.at(v->id).get());
      }
      for (auto it = added.rbegin(); it != added.rend(); ++it) Retract(*it);
    }
    std::vector<Node*> assumed = std::move(assumed_);
    assumed_.clear();
    if (restore) {
      if (trial_full_) {
        full_needed_ = true;  // exact by construction: the same full evaluation
        Apply();
      } else {
        RestoreAccounts();
        not_member_transfers_.resize(not_member_mark);
        for (auto& [id, saved] : item_undo_) {
          if (saved) {
            items_[id] = std::move(*saved);
          } else {
            items_.erase(id);
          }
        }
        // A kept claim counts nothing until confirmed, unless verdicts or a reversal
        // naming it arrived before it did: then its account is settled for real.
        if (result.admitted) {
          for (Node* claim : assumed) {
            if (verdicts_by_claim_.count(claim->id()) || gov_.reversed.count(claim->id())) {
              RecomputeServices(AccountOf(claim->e().author), /*incremental=*/true);
            }
          }
          Apply();
        }
      }
    }
    account_undo_.clear();
    item_undo_.clear();
    funded_undo_.clear();
    lost_credits_.clear();
    trial_full_ = false;
    findings_dirty_ = true;
    if (!result.admitted && result.problem == TrialProblem::kFinding && !result.about) {
      result.about = cands[result.index].id;
    }
    return result;
  }

  // Whether `e`'s author holds, at its seq, one of the roles its kind needs (RolesFor).
  bool HasRoleFor(const Entry& e) const {
    auto roles = RolesFor(e.kind);
    if (roles.empty()) return true;
    for (Role role : roles) {
      if (HoldsRole(e.author, e.seq, role)) return true;
    }
    return false;
  }

  // An account about to be written. In a trial its undo is noted first: the sums and
  // sizes from before (the fast paths only append), not a copy.
  AccountState& Acc(const PublicKey& root) {
    if (trial_ && !trial_full_ && !account_undo_.count(root)) {
      AccountUndo u;
      if (auto it = accounts_.find(root); it != accounts_.end()) {
        const AccountState& a = it->second;
        u.existed = true;
        u.minutes = a.minutes, u.service_points = a.service_points, u.debit_sum = a.debit_sum;
        u.received = a.received, u.funded_sum = a.funded_sum, u.funded = a.funded;
        u.queued = a.queued;
        u.credited = a.credited.size(), u.debits = a.debits.size();
        u.service_findings = a.service_findings.size();
      }
      account_undo_.emplace(root, std::move(u));
    }
    return accounts_[root];
  }

  // The undo note of `root` while only appends are being noted (no copy taken yet).
  AccountUndo* LightUndo(const PublicKey& root) {
    if (!trial_ || trial_full_) return nullptr;
    auto it = account_undo_.find(root);
    return it == account_undo_.end() || it->second.copy ? nullptr : &it->second;
  }

  void RestoreAccounts() {
    for (auto& [root, u] : account_undo_) {
      if (!u.existed) {
        accounts_.erase(root);
        continue;
      }
      AccountState& a = accounts_[root];
      if (u.copy) a = std::move(*u.copy);  // taken after the appends noted below
      for (auto start : u.intervals) a.intervals.erase(start);
      for (auto it = u.days.rbegin(); it != u.days.rend(); ++it) {
        if (it->second) {
          a.day_minutes[it->first] = *it->second;
        } else {
          a.day_minutes.erase(it->first);
        }
      }
      for (auto it = u.categories.rbegin(); it != u.categories.rend(); ++it) {
        if (it->second) {
          a.by_category[it->first] = *it->second;
        } else {
          a.by_category.erase(it->first);
        }
      }
      a.credited.resize(u.credited);
      a.debits.resize(u.debits);
      a.service_findings.resize(u.service_findings);
      a.minutes = u.minutes, a.service_points = u.service_points, a.debit_sum = u.debit_sum;
      a.received = u.received, a.funded_sum = u.funded_sum, a.funded = u.funded;
      a.queued = u.queued;
    }
  }

  template <class K>
  const Node* FindAs(const EntryId& id) const {
    auto it = nodes_.find(id);
    if (it == nodes_.end() || !it->second->connected || !it->second->As<K>()) return nullptr;
    return it->second.get();
  }

  bool ClaimCredited(const Node* claim) const {
    auto it = accounts_.find(AccountOf(claim->e().author));
    if (it == accounts_.end()) return false;
    for (const auto& [source, volunteer] : it->second.credited) {
      if (source == claim->id()) return true;
    }
    return false;
  }

  static bool Has(const std::vector<Finding>& list, FindingCode code) {
    return std::any_of(list.begin(), list.end(), [&](const Finding& f) { return f.code == code; });
  }

  // What an entry of a kind that exists to change something would change, observed
  // before and after a trial: equal means it would change nothing. Empty for kinds
  // whose findings alone say whether they count.
  Bytes Effect(const Entry& e) const {
    Writer w;
    std::visit(
        [&](const auto& k) {
          using K = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<K, RoleGrant> || std::is_same_v<K, RoleRevoke>) {
            w.U64(HoldsRole(k.subject, k.boundary_seq + 1, k.role));
          } else if constexpr (std::is_same_v<K, NodeGrant> || std::is_same_v<K, NodeRevoke>) {
            w.U64(gov_.roster.count(k.node));
          } else if constexpr (std::is_same_v<K, KeyRotate> || std::is_same_v<K, Recover>) {
            w.U64(AccountOf(k.new_key) == AccountOf(k.old_key));
          } else if constexpr (std::is_same_v<K, Enrol>) {
            auto it = accounts_.find(AccountOf(k.member));
            const Node* profile = it == accounts_.end() ? nullptr : it->second.profile;
            w.Fixed(profile ? profile->id() : EntryId());
          } else if constexpr (std::is_same_v<K, ServiceConfirm>) {
            const Node* claim = FindAs<ServiceClaim>(k.claim);
            w.U64(claim && ClaimCredited(claim));
          } else if constexpr (std::is_same_v<K, ServiceReject>) {
            const Node* claim = FindAs<ServiceClaim>(k.claim);
            w.U64(claim && Has(FindingsOfEntry(claim), FindingCode::kRejected));
          } else if constexpr (std::is_same_v<K, Reversal>) {
            auto it = nodes_.find(k.target);
            if (it == nodes_.end()) return;
            for (const auto& f : FindingsOfEntry(it->second.get())) {
              w.U64(static_cast<std::uint64_t>(f.code));
              w.Fixed(f.subject.value_or(PublicKey()));
            }
            if (auto* c = it->second->template As<ServiceConfirm>()) {
              const Node* claim = FindAs<ServiceClaim>(c->claim);
              w.U64(claim && ClaimCredited(claim));
            }
          } else if constexpr (std::is_same_v<K, ForkResolution>) {
            auto it = nodes_.find(k.chosen);
            w.U64(it != nodes_.end() && it->second->on_path);
          } else if constexpr (std::is_same_v<K, Restock>) {
            auto it = items_.find(k.item);
            w.U64(it == items_.end() ? 0 : it->second.stock);
          } else if constexpr (std::is_same_v<K, Fulfil>) {
            const Node* redeem = FindAs<Redeem>(k.redeem);
            auto it = redeem ? items_.find(redeem->template As<Redeem>()->item) : items_.end();
            w.U64(it == items_.end() ? 0 : it->second.fulfilled);
          }
        },
        e.kind);
    return w.out;
  }

  // TargetProblem's word for "a problem the node's policy forgives: no effect check".
  static constexpr auto kForgiven = TrialProblem::kNone;

  static bool NeedsChange(const EntryKind& kind) {
    return !(std::holds_alternative<ServiceRecord>(kind) ||
             std::holds_alternative<ServiceClaim>(kind) || std::holds_alternative<Transfer>(kind) ||
             std::holds_alternative<CatalogItem>(kind) || std::holds_alternative<Redeem>(kind) ||
             std::holds_alternative<AuditCheckpoint>(kind));
  }

  // After a trial's settling: whether what `n` names exists and whether it changed
  // what its kind exists to change.
  std::optional<TrialProblem> TargetProblem(const Node& n, const Bytes& before,
                                            const TrialOptions& options, Trial& r) const {
    auto missing = [&](const EntryId& id) {
      r.about = id;
      return std::optional(TrialProblem::kNotFound);
    };
    std::optional<TrialProblem> problem = std::visit(
        [&](const auto& k) -> std::optional<TrialProblem> {
          using K = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<K, Enrol>) {
            if (k.replaces && !FindAs<Enrol>(*k.replaces)) return missing(*k.replaces);
            // A second first enrolment could take the profile over by its id: a person
            // changes a profile with an update that names it.
            if (!k.replaces && before != Bytes(EntryId().view())) {
              r.finding = Finding{FindingCode::kAlreadyEnrolled, {}};
              r.about = *EntryId::FromView(before);
              return TrialProblem::kFinding;
            }
          } else if constexpr (std::is_same_v<K, ServiceConfirm> ||
                               std::is_same_v<K, ServiceReject>) {
            const Node* claim = FindAs<ServiceClaim>(k.claim);
            if (!claim) return missing(k.claim);
            if constexpr (std::is_same_v<K, ServiceConfirm>) {
              if (!ClaimCredited(claim) && Effect(n.e()) == before) {
                // Not credited, and was not before: the claim's own finding says why.
                auto findings = FindingsOfEntry(claim);
                if (!findings.empty()) {
                  r.finding = findings.front();
                  r.about = claim->id();
                  return TrialProblem::kFinding;
                }
              }
            }
          } else if constexpr (std::is_same_v<K, Reversal>) {
            if (!nodes_.count(k.target)) return missing(k.target);
          } else if constexpr (std::is_same_v<K, ForkResolution>) {
            if (!nodes_.count(k.chosen)) return missing(k.chosen);
          } else if constexpr (std::is_same_v<K, Restock>) {
            if (!items_.count(k.item) || !items_.at(k.item).listed) return missing(k.item);
          } else if constexpr (std::is_same_v<K, Fulfil>) {
            if (auto others = fulfils_by_redeem_.find(k.redeem); others != fulfils_by_redeem_.end()) {
              for (const Node* other : others->second) {
                if (other != &n && Active(other)) {  // a voucher is handed over once
                  r.finding = Finding{FindingCode::kAlreadyFulfilled, {}};
                  r.about = other->id();
                  return TrialProblem::kFinding;
                }
              }
            }
            if (!FindAs<Redeem>(k.redeem)) {
              auto it = nodes_.find(k.redeem);
              if (it == nodes_.end() || !it->second->template As<Redeem>()) {
                return missing(k.redeem);
              }
              // The voucher waits here for earlier entries of its chain: unproven, which
              // only the node's offline limit may let through.
              Finding unproven{FindingCode::kUnfunded, {}};
              if (options.forgive && options.forgive(n.v, unproven)) return kForgiven;
              r.finding = unproven;
              return TrialProblem::kFinding;
            }
          } else if constexpr (std::is_same_v<K, Transfer>) {
            if (AccountOf(k.to) == AccountOf(n.e().author)) return TrialProblem::kNoEffect;
          } else if constexpr (std::is_same_v<K, Redeem>) {
            auto it = items_.find(k.item);
            if (it == items_.end() || !it->second.listed) return missing(k.item);
            const ItemState& item = it->second;
            r.about = k.item;
            if (AccountOf(item.node->e().author) != AccountOf(k.station)) {
              return TrialProblem::kUnlisted;
            }
            if (k.points < item.node->template As<CatalogItem>()->price) {
              return TrialProblem::kPriceNotMet;
            }
            if (item.stock == 0) return TrialProblem::kOutOfStock;
            r.about.reset();
          }
          return std::nullopt;
        },
        n.e().kind);
    if (problem == kForgiven) return std::nullopt;
    if (problem) return problem;
    if (NeedsChange(n.e().kind) && Effect(n.e()) == before) return TrialProblem::kNoEffect;
    return std::nullopt;
  }

  // Whether a candidate of this submission means to take `source`'s credit away.
  template <class Cands>
  static bool Intends(const Cands& cands, const EntryId& source) {
    for (const auto& c : cands) {
      if (auto* r = std::get_if<ServiceReject>(&c.entry.kind); r && r->claim == source) return true;
    }
    return false;
  }

  // The findings of one entry, from the families that hold them: the same lists
  // CollectFindings() gathers for every entry (a property test checks they agree).
  std::vector<Finding> FindingsOfEntry(const Node* n) const {
    std::vector<Finding> out;
    const EntryId& id = n->id();
    auto from = [&](const std::vector<std::pair<EntryId, Finding>>& list) {
      for (const auto& [at, f] : list) {
        if (at == id) out.push_back(f);
      }
    };
    auto account = [&](const PublicKey& key) {
      if (auto it = accounts_.find(AccountOf(key)); it != accounts_.end()) {
        from(it->second.service_findings);
      }
    };
    auto item = [&](const EntryId& item_id) {
      if (auto it = items_.find(item_id); it != items_.end()) from(it->second.findings);
    };
    const Chain& chain = *n->chain;
    if (chain.fork_seqs.count(n->e().seq)) out.push_back({FindingCode::kFork, {}});
    if (n->connected && !chain.fork_seqs.empty() && !n->on_path && !Fenced(n)) {
      out.push_back({FindingCode::kSuspended, {}});
    }
    if (n->connected && Fenced(n)) out.push_back({FindingCode::kFenced, {}});
    from(gov_.findings);
    from(member_findings_);
    if (auto* rec = n->As<ServiceRecord>()) {
      std::set<PublicKey> roots;
      for (const auto& v : rec->volunteers) roots.insert(AccountOf(v));
      for (const auto& root : roots) account(root);
    } else if (n->As<ServiceClaim>()) {
      account(n->e().author);
    } else if (n->As<ServiceConfirm>() || n->As<ServiceReject>()) {
      const EntryId& claim_id = n->As<ServiceConfirm>() ? n->As<ServiceConfirm>()->claim
                                                        : n->As<ServiceReject>()->claim;
      if (const Node* claim = FindAs<ServiceClaim>(claim_id)) account(claim->e().author);
    } else if (n->As<Transfer>() || n->As<Redeem>()) {
      if (n->connected && !ExcludedDebit(n) && !n->funded) out.push_back({FindingCode::kUnfunded, {}});
      if (auto* t = n->As<Transfer>()) {
        if (Active(n) && !IsMember(AccountOf(t->to))) out.push_back({FindingCode::kNotMember, {}});
        if (n->connected && IsReversed(n, std::nullopt)) out.push_back({FindingCode::kReversed, {}});
      }
    } else if (n->As<CatalogItem>()) {
      item(id);
    } else if (auto* s = n->As<Restock>()) {
      item(s->item);
    } else if (auto* f = n->As<Fulfil>()) {
      if (const Node* redeem = FindAs<Redeem>(f->redeem)) item(redeem->As<Redeem>()->item);
    } else if (n->As<AuditCheckpoint>()) {
      if (Active(n) && !Authorised(n)) out.push_back({FindingCode::kRoleMissing, {}});
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  std::vector<Finding> FindingsOfEntryId(const EntryId& id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? std::vector<Finding>{} : FindingsOfEntry(it->second.get());
  }

  // A credited interval of `root` that [start, end) overlaps, or the first credit of
  // the same local day: the entry a person is told their service conflicts with.
  std::optional<EntryId> ConflictOf(const Node* n, const Finding& f) const {
    std::uint64_t start = 0;
    std::uint32_t minutes = 0;
    PublicKey who = n->e().author;
    if (auto* c = n->As<ServiceClaim>()) {
      start = c->start_ms, minutes = c->minutes;
    } else if (auto* r = n->As<ServiceRecord>()) {
      start = r->start_ms, minutes = r->minutes;
      if (f.subject) who = *f.subject;
    } else {
      return std::nullopt;
    }
    const PublicKey root = AccountOf(who);
    auto it = accounts_.find(root);
    if (it == accounts_.end()) return std::nullopt;
    const std::uint64_t end = start + std::uint64_t{minutes} * 60'000;
    for (const auto& [source, volunteer] : it->second.credited) {
      if (source == n->id()) continue;
      ServiceCredit c = CreditOf(root, source);
      const std::uint64_t c_end = c.start_ms + std::uint64_t{c.minutes} * 60'000;
      if (f.code == FindingCode::kOverlap && c.start_ms < end && start < c_end) return source;
      if (f.code == FindingCode::kDayCapExceeded && LocalDay(c.start_ms) == LocalDay(start)) {
        return source;
      }
    }
    return std::nullopt;
  }

  // Takes a connected entry back to the pending pool (a trial being undone).
  void Disconnect(Node* n) {
    UnIndex(n);
    std::erase(queue_, n);
    n->connected = false;
    waiting_[*n->e().prev].push_back(n);
    ++pending_;
  }

  // Removes an entry a trial added, leaving the structure as it was before.
  void Retract(Node* n) {
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

  // The reverse of Index().
  void UnIndex(Node* n) {
    const Entry& e = n->e();
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
    auto drop = [n](auto& map, const auto& key) {
      auto it = map.find(key);
      if (it == map.end()) return;
      std::erase(it->second, n);
      if (it->second.empty()) map.erase(it);
    };
    std::erase(governance_, n);
    if (auto* en = n->As<Enrol>()) {
      drop(enrols_by_member_, en->member);
    } else if (auto* rec = n->As<ServiceRecord>()) {
      for (const auto& v : rec->volunteers) {
        auto it = sources_by_key_.find(v);
        if (it == sources_by_key_.end()) continue;
        std::erase_if(it->second, [n](const auto& s) { return s.first == n; });
        if (it->second.empty()) sources_by_key_.erase(it);
      }
    } else if (n->As<ServiceClaim>()) {
      auto it = sources_by_key_.find(e.author);
      if (it != sources_by_key_.end()) {
        std::erase_if(it->second, [n](const auto& s) { return s.first == n; });
        if (it->second.empty()) sources_by_key_.erase(it);
      }
    } else if (auto* c = n->As<ServiceConfirm>()) {
      drop(verdicts_by_claim_, c->claim);
    } else if (auto* r = n->As<ServiceReject>()) {
      drop(verdicts_by_claim_, r->claim);
    } else if (n->As<Transfer>()) {
      std::erase(chain.debits, n);
    } else if (auto* d = n->As<Redeem>()) {
      std::erase(chain.debits, n);
      drop(redeems_with_fulfils_by_item_, d->item);
    } else if (n->As<CatalogItem>()) {
      item_nodes_.erase(n->id());
    } else if (auto* s = n->As<Restock>()) {
      drop(restocks_by_item_, s->item);
    } else if (auto* f = n->As<Fulfil>()) {
      drop(fulfils_by_redeem_, f->redeem);
      const Node* redeem = FindAs<Redeem>(f->redeem);
      if (redeem && !fulfils_by_redeem_.count(f->redeem)) {
        auto it = redeems_with_fulfils_by_item_.find(redeem->As<Redeem>()->item);
        if (it != redeems_with_fulfils_by_item_.end()) {
          std::erase_if(it->second, [redeem](const Node* x) { return x == redeem; });
          if (it->second.empty()) redeems_with_fulfils_by_item_.erase(it);
        }
      }
    } else if (n->As<AuditCheckpoint>()) {
      std::erase(checkpoints_, n);
    }
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
  // Whether `n`'s author holds a role its kind needs (RolesFor, the one table).
  bool Authorised(const Node* n) const { return HasRoleFor(n->e()); }

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

  std::optional<EntryId> ProfileEntry(const PublicKey& key) const {
    auto it = accounts_.find(AccountOf(key));
    if (it == accounts_.end() || it->second.profile == nullptr) return std::nullopt;
    return it->second.profile->id();
  }

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
    for (const Node* n : it->second.by_seq) {
      if (n->connected) out.emplace_back(n->e().seq, n->id());
    }
    std::sort(out.begin(), out.end());  // by seq already; a fork's entries by id
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

  void ReleaseEnvelope(const EntryId& id) {
    auto it = nodes_.find(id);
    if (it != nodes_.end() && it->second->connected) Bytes().swap(it->second->v.envelope);
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

  const std::map<EntryId, std::vector<Finding>>& Findings() const { return findings_; }

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

  void Drop(Node* node) {
    Chain& chain = *node->chain;
    if (chain.by_seq.Erase(node) < 2 && chain.fork_seqs.erase(node->e().seq)) full_needed_ = true;
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
    if (auto* en = n->As<Enrol>()) enrols_by_member_[en->member].push_back(n);
    if (IsGovernance(e.kind)) {
      governance_.push_back(n);
      full_needed_ = true;
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
    if (auto* rec = n->As<ServiceRecord>()) {
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
      if (ExcludedDebit(n)) {
        if (ToNonMember(n)) not_member_transfers_.push_back(n);
        return;
      }
      PublicKey root = AccountOf(e.author);
      AccountState& a = Acc(root);
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
    AccountState& a = Acc(root);
    if (!a.queued) {
      a.queued = true;
      worklist_.push_back(root);
    }
  }

  // ---- full evaluation -------------------------------------------------------

  void FullEvaluate() {
    if (trial_) trial_full_ = true;  // the journal cannot undo this: a retraction re-runs it
    EvaluateGovernance();
    accounts_.clear();
    not_member_transfers_.clear();
    ComputeMembers();
    worklist_.clear();
    for (auto& [key, chain] : chains_) {
      for (Node* d : chain.debits) {
        d->funded = false;
        if (ExcludedDebit(d)) {
          if (ToNonMember(d)) not_member_transfers_.push_back(d);
          continue;
        }
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
      if (!n->As<Enrol>() && !Authorised(n)) {
        gov_.findings.push_back({n->id(), {FindingCode::kRoleMissing, {}}});
      }
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
      base.Add(AccountOf(admin), Role::kAdmin, {KeyIndex(admin), 0, true, {}, 0, 0});
    }
    std::vector<const Node*> grants, revokes;
    for (const Node* n : sorted) {
      if (!Active(n)) continue;
      if (n->As<RoleGrant>()) grants.push_back(n);
      if (n->As<RoleRevoke>()) revokes.push_back(n);
    }
    auto add_event = [this](RoleBook& book, const Node* act, const PublicKey& subject, Role role,
                            std::uint64_t boundary, bool grant) {
      const PublicKey& by = act->e().author;
      book.Add(AccountOf(subject), role,
               {KeyIndex(subject), boundary + 1, grant, AccountOf(by), KeyIndex(by), act->e().seq});
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
          add_event(book, g, c.subject, c.role, c.boundary_seq, true);
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
        add_event(with_first, r, c.subject, c.role, c.boundary_seq, false);
      }
    }
    RoleBook final_base = base;
    for (const Node* r : revokes) {
      if (HoldsRole(with_first, r->e().author, r->e().seq, Role::kAdmin)) {
        const auto& c = *r->As<RoleRevoke>();
        add_event(final_base, r, c.subject, c.role, c.boundary_seq, false);
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
      for (Node* n : chain.by_seq) n->on_path = false;
      const Node* prev = nullptr;
      for (std::uint64_t seq = 1;; ++seq) {
        auto at = chain.by_seq.At(seq);
        if (at.empty()) break;
        std::vector<Node*> next;
        for (Node* n : at) {
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
        const bool coordinator = Authorised(v, Role::kCoordinator);
        const bool resident = beneficiary && AccountOf(*beneficiary) == by;
        if (!coordinator && !resident) {
          findings.push_back({v->id(), {FindingCode::kRoleMissing, {}}});
          continue;
        }
        if (!coordinator && !IsMember(by)) {
          findings.push_back({v->id(), {FindingCode::kNotMember, {}}});
          continue;
        }
        // Nobody confirms service before it began (both clocks would have to lie).
        if (confirm && claim->As<ServiceClaim>()->start_ms > v->e().timestamp_ms + kServiceSkewMs) {
          findings.push_back({v->id(), {FindingCode::kOutOfWindow, {}}});
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
    if (!Authorised(node)) return FindingCode::kRoleMissing;
    if (AccountOf(node->e().author) == root) return FindingCode::kSelfRecord;
    if (!IsMember(root)) return FindingCode::kNotMember;
    return ServiceProblem(node, rec.category, rec.start_ms, rec.minutes);
  }
  // What the policy says of one stated interval in entry `node`.
  std::optional<FindingCode> ServiceProblem(const Node* node, const std::string& category,
                                            std::uint64_t start_ms, std::uint32_t minutes) const {
    if (!rates_.count(category)) return FindingCode::kUnknownCategory;
    if (genesis_.policy.max_minutes_per_entry != 0 &&
        minutes > genesis_.policy.max_minutes_per_entry) {
      return FindingCode::kEntryCapExceeded;
    }
    const std::uint64_t signed_at = node->e().timestamp_ms;
    if (start_ms > signed_at + kServiceSkewMs || start_ms + window_ms_ < signed_at) {
      return FindingCode::kOutOfWindow;
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

  void Credit(const PublicKey& root, AccountState& a, const Candidate& c) {
    const std::int64_t day = LocalDay(c.start_ms);
    if (AccountUndo* u = LightUndo(root)) {
      u->intervals.push_back(c.start_ms);  // a credit overlaps nothing: a new key
      auto d = a.day_minutes.find(day);
      u->days.emplace_back(day, d == a.day_minutes.end() ? std::nullopt : std::optional(d->second));
      auto k = a.by_category.find(*c.category);
      u->categories.emplace_back(*c.category, k == a.by_category.end()
                                                  ? std::nullopt
                                                  : std::optional(k->second));
    }
    Slot(a.intervals, c.start_ms) = c.start_ms + std::uint64_t{c.minutes} * 60'000;
    Slot(a.day_minutes, day) += c.minutes;
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
    AccountState& a = Acc(root);
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
    Credit(root, a, {rec.start_ms, node->id(), volunteer, rec.minutes, &rec.category});
    Enqueue(root);
    return true;
  }

  void RecomputeServices(const PublicKey& root, bool incremental) {
    AccountState& a = Acc(root);
    // This rewrites the account's services: a trial keeps a copy (the recompute costs
    // as much as the copy).
    if (trial_ && !trial_full_) {
      AccountUndo& u = account_undo_.at(root);
      if (u.existed && !u.copy) u.copy = a;
    }
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
          if (state == ClaimState::kAwaiting &&
              std::find(assumed_.begin(), assumed_.end(), node) != assumed_.end()) {
            state = ClaimState::kConfirmed;  // a trial judges a new claim as if confirmed
          }
          if (IsReversed(node, std::nullopt)) {
            findings.push_back({node->id(), {FindingCode::kReversed, {}}});
          } else if (state == ClaimState::kRejected) {
            findings.push_back({node->id(), {FindingCode::kRejected, {}}});
          } else if (!IsMember(root)) {
            findings.push_back({node->id(), {FindingCode::kNotMember, {}}});
          } else if (state == ClaimState::kConfirmed) {
            if (auto problem =
                    ServiceProblem(node, claim.category, claim.start_ms, claim.minutes)) {
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
        Credit(root, a, c);
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
        if (trial_) {
          std::set_difference(old_credited.begin(), old_credited.end(), now_credited.begin(),
                              now_credited.end(), std::back_inserter(lost_credits_));
        }
      } else if (a.service_points > old_points) {
        Enqueue(root);
      }
    }
    a.service_findings = std::move(findings);
    touched_accounts_.insert(root);
  }

  // Members and profiles (docs/ledger-rules.md, "Members and profiles"). An enrolment
  // counts when its author held admin or coordinator at that seq. Of an account's
  // first enrolments the one with the lowest id makes it a member and is its profile;
  // the others are `already_enrolled`. Updates name the profile entry they replace:
  // from the first enrolment, the lowest-id valid update of the current profile
  // becomes the profile, and so on; every other update is `stale_update`. No clock
  // takes part, so an author cannot date an entry to win.
  void ComputeMembers() {
    members_.clear();
    member_findings_.clear();
    for (const auto& admin : genesis_.admins) members_.insert(AccountOf(admin));
    KeyMap<std::vector<const Node*>> firsts, updates;  // by account
    for (const auto& [member, enrols] : enrols_by_member_) {
      for (const Node* n : enrols) {
        if (!Active(n)) continue;
        if (!Authorised(n)) {
          member_findings_.push_back({n->id(), {FindingCode::kRoleMissing, {}}});
          continue;
        }
        (n->As<Enrol>()->replaces ? updates : firsts)[AccountOf(member)].push_back(n);
      }
    }
    auto by_id = [](const Node* a, const Node* b) { return a->id() < b->id(); };
    for (auto& [root, list] : firsts) {
      std::sort(list.begin(), list.end(), by_id);
      for (std::size_t i = 1; i < list.size(); ++i) {
        member_findings_.push_back({list[i]->id(), {FindingCode::kAlreadyEnrolled, {}}});
      }
      const Node* current = list.front();
      members_.insert(root);
      auto pending = updates.find(root);
      if (pending != updates.end()) {
        auto& ups = pending->second;
        std::sort(ups.begin(), ups.end(), by_id);
        std::vector<bool> used(ups.size(), false);
        for (bool moved = true; moved;) {
          moved = false;
          for (std::size_t i = 0; i < ups.size(); ++i) {
            if (!used[i] && *ups[i]->As<Enrol>()->replaces == current->id()) {
              used[i] = true;
              current = ups[i];
              moved = true;
              break;  // the lowest id that replaces the current profile wins
            }
          }
        }
        for (std::size_t i = 0; i < ups.size(); ++i) {
          if (!used[i]) member_findings_.push_back({ups[i]->id(), {FindingCode::kStaleUpdate, {}}});
        }
        updates.erase(pending);
      }
      accounts_[root].profile = current;
      touched_accounts_.insert(root);
    }
    for (const auto& [root, ups] : updates) {  // updates of someone never enrolled
      for (const Node* n : ups) member_findings_.push_back({n->id(), {FindingCode::kStaleUpdate, {}}});
    }
  }

  bool IsMember(const PublicKey& root) const { return members_.count(root) > 0; }

  // An active transfer to an account that is not a member (finding `not_member`).
  bool ToNonMember(const Node* d) const {
    auto* t = d->As<Transfer>();
    return t != nullptr && Active(d) && !IsMember(AccountOf(t->to));
  }

  // Debits that neither cost nor credit anything: fenced, a reversed transfer, or a
  // transfer to someone who is not a member (the points would be lost).
  bool ExcludedDebit(const Node* d) const {
    if (Fenced(d)) return true;
    auto* t = d->As<Transfer>();
    return t != nullptr && (IsReversed(d, std::nullopt) || !IsMember(AccountOf(t->to)));
  }

  // ---- funding ---------------------------------------------------------------

  void RecomputeFunding() {
    if (trial_) trial_full_ = true;
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
      AccountState& a = Acc(root);
      a.queued = false;
      std::uint64_t credits = SaturatingAdd(a.service_points, a.received);
      while (a.funded < a.debits.size() &&
             a.funded_sum + DebitPoints(a.debits[a.funded]) <= credits) {
        Node* d = a.debits[a.funded++];
        a.funded_sum += DebitPoints(d);
        d->funded = true;
        if (trial_) funded_undo_.push_back(d);
        touched_accounts_.insert(root);
        if (auto* t = d->As<Transfer>()) {
          if (Active(d)) {
            PublicKey to = AccountOf(t->to);
            AccountState& recipient = Acc(to);
            recipient.received = SaturatingAdd(recipient.received, t->points);
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
    if (trial_ && !trial_full_ && !item_undo_.count(id)) {
      auto old = items_.find(id);
      item_undo_.emplace(id, old == items_.end() ? std::nullopt : std::optional(old->second));
    }
    const Node* node = node_it->second;
    ItemState item;
    item.node = node;
    touched_items_.insert(id);
    if (!Active(node)) {
      items_[id] = std::move(item);
      return;
    }
    if (!Authorised(node)) {
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
        if (AccountOf(r->e().author) != station || !Authorised(r)) {
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
      if (!Authorised(f)) {
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
          for (const Node* n : chain.by_seq.At(seq)) out[n->id()].push_back({FindingCode::kFork, {}});
        }
        for (const Node* n : chain.by_seq) {
          if (n->connected && !n->on_path && !Fenced(n)) {
            out[n->id()].push_back({FindingCode::kSuspended, {}});
          }
        }
      }
      if (auto fence = gov_.fence.find(author); fence != gov_.fence.end()) {
        for (auto it = chain.by_seq.After(fence->second); it != chain.by_seq.end(); ++it) {
          if ((*it)->connected) out[(*it)->id()].push_back({FindingCode::kFenced, {}});
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
    add(member_findings_);
    for (const Node* n : checkpoints_) {
      if (Active(n) && !Authorised(n)) {
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
    for (const Node* d : not_member_transfers_) {
      out[d->id()].push_back({FindingCode::kNotMember, {}});
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
  std::uint64_t window_ms_ = 0;  // how far before its entry a service may start

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
  std::unordered_set<PublicKey, FixedBytesHash> members_;  // account ids
  std::vector<std::pair<EntryId, Finding>> member_findings_;
  std::vector<const Node*> not_member_transfers_;  // kept by the funding family
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

  // Collected by the writer at the end of Settle(), never by a reader: const methods
  // are safe from many threads at once.
  std::map<EntryId, std::vector<Finding>> findings_;
  bool findings_dirty_ = true;

  // A trial's journal: what its settling changed, to put back if it is refused.
  bool trial_ = false;
  bool trial_full_ = false;  // a full evaluation or funding recompute ran: re-run instead
  KeyMap<AccountUndo> account_undo_;
  IdMap<std::optional<ItemState>> item_undo_;
  std::vector<Node*> funded_undo_;
  std::vector<std::pair<EntryId, PublicKey>> lost_credits_;  // credits the trial took away
  std::vector<Node*> assumed_;  // new claims judged as if confirmed
  std::size_t trial_connected_mark_ = 0;  // connected_from_pending_ before the trial
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
        w.Fixed(ev.by);
        w.U64(ev.by_index);
        w.U64(ev.by_seq);
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
std::optional<EntryId> LedgerState::ProfileEntry(const PublicKey& key) const {
  return impl_->ProfileEntry(key);
}
std::vector<ItemView> LedgerState::Items() const { return impl_->Items(); }
Trial LedgerState::TryAdmit(std::vector<VerifiedEntry> entries, const TrialOptions& options) {
  return impl_->TryAdmit(std::move(entries), options);
}
std::vector<Finding> LedgerState::FindingsOfEntry(const EntryId& id) const {
  return impl_->FindingsOfEntryId(id);
}
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
void LedgerState::ReleaseEnvelope(const EntryId& id) { impl_->ReleaseEnvelope(id); }
std::vector<EntryId> LedgerState::FulfilsOf(const EntryId& redeem) const {
  return impl_->FulfilsOf(redeem);
}
std::uint64_t LedgerState::connected_count() const { return impl_->connected_count(); }
std::uint64_t LedgerState::pending_count() const { return impl_->pending_count(); }
LedgerState::Changes LedgerState::TakeChanges() { return impl_->TakeChanges(); }

}  // namespace lovebank::ledger
