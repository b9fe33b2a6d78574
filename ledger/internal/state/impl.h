// LedgerState::Impl, the state machine behind ledger/state.h, laid out by rule
// family. One class, because the families judge each other's entries (a credit needs
// the role book, a voucher needs the funding of its redeem), but each family has its
// own file for its code and its own block of indexes below:
//
//   graph.cc       the chain graph and pending pool: Add, connect, retract, chains
//   governance.cc  roles, key moves, fences, fork paths, the roster, reversals
//   members.cc     enrolments and profiles; account views
//   services.cc    service records and claims: caps, overlaps, credits
//   funding.cc     debits and the least-fixpoint funding of each account
//   catalogue.cc   items, restocks and fulfilled vouchers
//   requests.cc    help requests: takes, the state path, escalations
//   findings.cc    every family's findings, collected and per entry
//   settle.cc      the incremental path and the full re-evaluation that drive them
//   trial.cc       TryAdmit, the one judgement, and its exact undo
//   state_hash.cc  the canonical hash of everything derived
//
// Private to ledger/internal/state/ and ledger/state.cc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ledger/internal/state/accounts.h"
#include "ledger/internal/state/catalogue.h"
#include "ledger/internal/state/common.h"
#include "ledger/internal/state/governance.h"
#include "ledger/internal/state/graph.h"
#include "ledger/state.h"

namespace lovebank::ledger {

// Only the state's own files include this header; they name the families' types
// without the namespace.
using internal::AccountState;
using internal::AccountUndo;
using internal::Chain;
using internal::DebitPoints;
using internal::Governance;
using internal::IdMap;
using internal::IdSet;
using internal::IsGovernance;
using internal::ItemState;
using internal::kDayMs;
using internal::KeyMap;
using internal::Node;
using internal::RoleBook;
using internal::SaturatingAdd;
using internal::Slot;
using internal::Writer;

class LedgerState::Impl {
 public:
  explicit Impl(const VerifiedEntry& genesis);

  // ---- settling (settle.cc) ----------------------------------------------------

  void Settle();
  // Settle() without collecting findings: what a trial runs between its steps.
  void Apply();
  void FastApply(Node* n);
  void FullEvaluate();
  void Enqueue(const PublicKey& root);

  // ---- the rule families, one loop (families.cc) -------------------------------

  // What a rule family does with one entry: index it when it connects, forget it when
  // a trial takes it back, apply it on the fast path, and say its findings. Each looks
  // only at the kinds it owns. Index(), UnIndex(), FastApply() and FindingsOfEntry()
  // do the chain graph's part and then run every family's hook (families.cc); a null
  // hook is a family with nothing to do there.
  struct Family {
    void (Impl::*index)(Node* n);
    void (Impl::*unindex)(Node* n);
    void (Impl::*apply)(Node* n);
    void (Impl::*findings)(const Node* n, std::vector<Finding>& out) const;
  };
  static const Family kFamilies[6];

  // ---- the chain graph and pending pool (graph.cc) -----------------------------

  void Reserve(std::size_t entries) { nodes_.reserve(entries); }
  AddResult Add(VerifiedEntry v);
  static bool Links(const Node* prev, const Entry& child);
  Node* Store(VerifiedEntry v);
  void Drop(Node* node);
  void Connect(Node* first);
  // Structural indexes, independent of governance; every connected entry is indexed.
  void Index(Node* n);
  // The reverse of Index().
  void UnIndex(Node* n);
  // Takes a connected entry back to the pending pool (a trial being undone).
  void Disconnect(Node* n);
  // Removes an entry a trial added, leaving the structure as it was before.
  void Retract(Node* n);

  template <class K>
  const Node* FindAs(const EntryId& id) const {
    auto it = nodes_.find(id);
    if (it == nodes_.end() || !it->second->connected || !it->second->As<K>()) return nullptr;
    return it->second.get();
  }
  const NetworkId& network() const { return network_; }
  const Genesis& genesis() const { return genesis_; }
  std::vector<ForkEvidence> Forks() const;
  bool ForkedAt(const PublicKey& key, std::uint64_t seq) const;
  ChainSummary Summary(const PublicKey& key) const;
  std::vector<std::pair<std::uint64_t, EntryId>> ChainIds(const PublicKey& key) const;
  void ForEachChain(const std::function<void(const PublicKey&, const ChainSummary&)>& fn) const;
  std::uint64_t HeadSeq(const PublicKey& key) const;
  const VerifiedEntry* Find(const EntryId& id) const;
  void ForEachEntry(const std::function<void(const VerifiedEntry&, bool)>& fn) const;
  void ReleaseEnvelope(const EntryId& id);
  std::uint64_t connected_count() const { return nodes_.size() - pending_; }
  std::uint64_t pending_count() const { return pending_; }
  Changes TakeChanges();

  // ---- governance (governance.cc) ----------------------------------------------

  // Authority in three fixed passes (docs/ledger-rules.md, "Authority"): roles are
  // computed, then key moves and fork resolutions made by those roles reshape
  // accounts and branches, twice, and roles are computed once more on the result.
  void EvaluateGovernance();
  RoleBook ComputeRoles(const std::vector<Node*>& sorted) const;
  void ComputeMovesAndResolutions(const std::vector<Node*>& sorted);
  // Marks the canonical branch of every forked chain: from seq 1, follow the one
  // child; at a fork, follow the admin's resolution if there is one, else stop.
  void ApplyPaths();

  PublicKey AccountOf(const PublicKey& key) const;
  std::vector<PublicKey> KeysOf(const PublicKey& root) const;
  std::uint32_t KeyIndex(const PublicKey& key) const;
  bool HoldsRole(const RoleBook& book, const PublicKey& key, std::uint64_t seq, Role role) const;
  bool HoldsRole(const PublicKey& key, std::uint64_t seq, Role role) const;
  // Whether `e`'s author holds, at its seq, one of the roles its kind needs (RolesFor).
  bool HasRoleFor(const Entry& e) const;
  bool Authorised(const Node* n, Role role) const {
    return HoldsRole(n->e().author, n->e().seq, role);
  }
  // Whether `n`'s author holds a role its kind needs (RolesFor, the one table).
  bool Authorised(const Node* n) const { return HasRoleFor(n->e()); }
  bool Fenced(const Node* n) const;
  static bool Forked(const Node* n) { return !n->chain->fork_seqs.empty(); }
  bool Active(const Node* n) const;
  EntryStatus Status(const EntryId& id) const;
  bool IsReversed(const Node* n, const std::optional<PublicKey>& volunteer) const;
  std::vector<PublicKey> NodeRoster() const { return {gov_.roster.begin(), gov_.roster.end()}; }
  // Governance entries (every change of authority sends the state to a full
  // evaluation) and audit checkpoints, whose authority is their only finding.
  void IndexGovernance(Node* n);
  void UnIndexGovernance(Node* n);
  void GovernanceFindings(const Node* n, std::vector<Finding>& out) const;

  // ---- members and accounts (members.cc) ---------------------------------------

  // Members and profiles (docs/ledger-rules.md, "Members and profiles"). An enrolment
  // counts when its author held admin or coordinator at that seq. Of an account's
  // first enrolments the one with the lowest id makes it a member and is its profile;
  // the others are `already_enrolled`. Updates name the profile entry they replace:
  // from the first enrolment, the lowest-id valid update of the current profile
  // becomes the profile, and so on; every other update is `stale_update`. No clock
  // takes part, so an author cannot date an entry to win.
  void ComputeMembers();
  bool IsMember(const PublicKey& root) const { return members_.count(root) > 0; }
  std::optional<AccountView> View(const PublicKey& root) const;
  std::optional<AccountView> Account(const PublicKey& key) const { return View(AccountOf(key)); }
  std::optional<EntryId> ProfileEntry(const PublicKey& key) const;
  std::vector<AccountView> Accounts() const;
  void IndexMembers(Node* n);
  void UnIndexMembers(Node* n);
  void MemberFindings(const Node* n, std::vector<Finding>& out) const;

  // ---- services (services.cc) --------------------------------------------------

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
                        std::vector<std::pair<EntryId, Finding>>& findings) const;
  // Why the record's credit for volunteer `index` cannot count, or nullopt if it can
  // (before overlap and day caps, which depend on the volunteer's other service).
  std::optional<FindingCode> RecordProblem(const Node* node, const PublicKey& root) const;
  // What the policy says of one stated interval in entry `node`.
  std::optional<FindingCode> ServiceProblem(const Node* node, const std::string& category,
                                            std::uint64_t start_ms, std::uint32_t minutes) const;
  std::int64_t LocalDay(std::uint64_t start_ms) const;
  // Whether a credited interval of `a` overlaps [start, end).
  static bool Overlaps(const AccountState& a, std::uint64_t start, std::uint64_t end);
  bool OverDayCap(const AccountState& a, std::int64_t day, std::uint32_t minutes) const;
  void Credit(const PublicKey& root, AccountState& a, const Candidate& c);
  // The incremental path for one volunteer of a new record. A credit that overlaps
  // nothing credited and fits the day's cap takes the same place in the canonical
  // order as a full recompute would give it and changes no other credit, so it is
  // added directly (docs/ledger-rules.md, "Incremental application"). Returns false
  // when the volunteer's service must be recomputed instead.
  bool TryCreditRecord(const Node* node, int index, const PublicKey& root);
  void RecomputeServices(const PublicKey& root, bool incremental);
  ServiceCredit CreditOf(const PublicKey& root, const EntryId& source) const;
  void ForEachCredit(const std::function<void(const ServiceCredit&)>& fn) const;
  std::vector<ServiceCredit> Credits(const PublicKey& key) const;
  // A credited interval of `root` that [start, end) overlaps, or the first credit of
  // the same local day: the entry a person is told their service conflicts with.
  std::optional<EntryId> ConflictOf(const Node* n, const Finding& f) const;
  // Records and claims by volunteer, verdicts by claim.
  void IndexServices(Node* n);
  void UnIndexServices(Node* n);
  void ApplyServices(Node* n);
  void ServiceFindings(const Node* n, std::vector<Finding>& out) const;

  // ---- funding (funding.cc) ----------------------------------------------------

  // An active transfer to an account that is not a member (finding `not_member`).
  bool ToNonMember(const Node* d) const;
  // Debits that neither cost nor credit anything: fenced, a reversed transfer, or a
  // transfer to someone who is not a member (the points would be lost).
  bool ExcludedDebit(const Node* d) const;
  bool DebitBefore(const Node* a, const Node* b) const;
  void RecomputeFunding();
  // Extends funded prefixes until nothing moves. Credits only grow here, so this
  // reaches the least fixpoint: points circulating in a cycle of unfunded transfers
  // never fund each other.
  void RunFunding();
  std::uint64_t Spendable(const PublicKey& key) const;
  bool IsFunded(const EntryId& id) const;
  std::uint64_t FulfilledUnfundedPoints(const PublicKey& key) const;
  std::vector<EntryId> WaitingClaims(const std::optional<PublicKey>& judge) const;
  // Transfers and vouchers: each chain's debits.
  void IndexFunding(Node* n);
  void UnIndexFunding(Node* n);
  void ApplyFunding(Node* n);
  void FundingFindings(const Node* n, std::vector<Finding>& out) const;

  // ---- catalogue (catalogue.cc) ------------------------------------------------

  void RecomputeItem(const EntryId& id);
  // A voucher matters to its item's stock only once some fulfil names it.
  void TouchItemOfRedeem(const Node* redeem);
  std::vector<ItemView> Items() const;
  std::vector<EntryId> FulfilsOf(const EntryId& redeem) const;
  // Items, restocks, fulfils, and the vouchers that some fulfil names.
  void IndexCatalogue(Node* n);
  void UnIndexCatalogue(Node* n);
  void ApplyCatalogue(Node* n);
  void CatalogueFindings(const Node* n, std::vector<Finding>& out) const;

  // ---- help requests (requests.cc) ---------------------------------------------

  // The acts that name one request, indexed by its id even before its open arrives.
  struct RequestActs {
    Node* open = nullptr;
    std::vector<Node*> takes, resolves, states, escalations;
  };
  // A request as the rules stand now (docs/ledger-rules.md, "Help requests"), computed
  // from its acts on demand: nothing here depends on the order they arrived in.
  struct RequestJudgement {
    const Node* open = nullptr;             // null: no open that counts
    std::vector<const Node*> takes;         // the counting takes, by id
    std::vector<PublicKey> taker_accounts;  // their accounts, in the same order
    const Node* state = nullptr;            // the open, or the last state act on the path
    std::vector<const Node*> path;          // the state acts that count, in order
    Level level = Level::kBuilding;
    IdSet confirmed;  // resolves named by a counting confirmation
    // Findings of every act but the resolves, whose findings the services family
    // records with the rest of their author's service.
    std::vector<std::pair<EntryId, Finding>> findings;
  };
  RequestJudgement JudgeRequest(const EntryId& request) const;
  // For a submitted take or state act, the acts of its request that counted before it;
  // after the trial, the first of them that no longer counts (a lower id pushed it out).
  std::vector<EntryId> CountedActs(const Entry& e) const;
  std::optional<EntryId> DisplacedAct(const Node& n, const std::vector<EntryId>& counted) const;
  std::optional<FindingCode> OpenProblem(const Node* open) const;
  static bool Took(const RequestJudgement& j, const PublicKey& root) {
    return std::find(j.taker_accounts.begin(), j.taker_accounts.end(), root) !=
           j.taker_accounts.end();
  }
  // Whether `state` (the open or a state act) lets a take or resolve in.
  static bool Accepting(const Node* state) {
    return state->As<RequestOpen>() != nullptr || state->As<RequestReopen>() != nullptr;
  }
  // The request an act names, or the open's own id.
  static EntryId RequestIdOf(const Node* n);
  std::optional<RequestView> Request(const EntryId& id) const;
  std::vector<RequestView> Requests() const;
  void IndexRequests(Node* n);
  void UnIndexRequests(Node* n);
  void ApplyRequests(Node* n);
  void RequestFindings(const Node* n, std::vector<Finding>& out) const;

  // ---- findings (findings.cc) --------------------------------------------------

  std::map<EntryId, std::vector<Finding>> CollectFindings() const;
  // The findings of one entry, from the families that hold them: the same lists
  // CollectFindings() gathers for every entry (a property test checks they agree).
  std::vector<Finding> FindingsOfEntry(const Node* n) const;
  std::vector<Finding> FindingsOfEntryId(const EntryId& id) const;
  static bool Has(const std::vector<Finding>& list, FindingCode code);
  // Appends the findings of `list` recorded against `id`.
  static void FindingsAt(const EntryId& id, const std::vector<std::pair<EntryId, Finding>>& list,
                         std::vector<Finding>& out);
  const std::map<EntryId, std::vector<Finding>>& Findings() const { return findings_; }

  // ---- trials: one judgement for admission (trial.cc) --------------------------

  Trial TryAdmit(std::vector<VerifiedEntry> entries, const TrialOptions& options);
  // An account about to be written. In a trial its undo is noted first: the sums and
  // sizes from before (the fast paths only append), not a copy.
  AccountState& Acc(const PublicKey& root);
  // The undo note of `root` while only appends are being noted (no copy taken yet).
  AccountUndo* LightUndo(const PublicKey& root);
  void RestoreAccounts();
  bool ClaimCredited(const Node* claim) const;
  // What an entry of a kind that exists to change something would change, observed
  // before and after a trial: equal means it would change nothing. Empty for kinds
  // whose findings alone say whether they count.
  Bytes Effect(const Entry& e) const;
  // TargetProblem's word for "a problem the node's policy forgives: no effect check".
  static constexpr auto kForgiven = TrialProblem::kNone;
  static bool NeedsChange(const EntryKind& kind);
  // After a trial's settling: whether what `n` names exists and whether it changed
  // what its kind exists to change.
  std::optional<TrialProblem> TargetProblem(const Node& n, const Bytes& before,
                                            const TrialOptions& options, Trial& r) const;
  // Whether a candidate of this submission means to take `source`'s credit away.
  template <class Cands>
  static bool Intends(const Cands& cands, const EntryId& source) {
    for (const auto& c : cands) {
      if (auto* r = std::get_if<ServiceReject>(&c.entry.kind); r && r->claim == source) return true;
    }
    return false;
  }

  // ---- the state hash (state_hash.cc) ------------------------------------------

  crypto::Digest StateHash() const;

  // ==== data, by the family that writes it ======================================

  // The community.
  NetworkId network_;
  Genesis genesis_;
  std::unordered_map<std::string, std::uint32_t> rates_;
  std::uint64_t window_ms_ = 0;  // how far before its entry a service may start

  // The chain graph and pending pool, and the per-kind indexes of connected entries
  // that the other families read.
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
  IdMap<std::vector<Node*>> withdraws_by_item_;
  IdMap<std::vector<Node*>> fulfils_by_redeem_;
  IdMap<Node*> item_nodes_;
  std::vector<Node*> checkpoints_;

  // Governance.
  Governance gov_;

  // Members.
  std::unordered_set<PublicKey, FixedBytesHash> members_;  // account ids
  std::vector<std::pair<EntryId, Finding>> member_findings_;

  // Accounts: services and funding.
  KeyMap<AccountState> accounts_;
  std::vector<const Node*> not_member_transfers_;  // kept by the funding family
  std::deque<PublicKey> worklist_;

  // The catalogue.
  IdMap<ItemState> items_;

  // Help requests: every act, by the request it names.
  IdMap<RequestActs> requests_;

  // Settling: what is left to apply, and what changed for the store to persist.
  std::vector<Node*> queue_;  // connected since the last Settle()
  bool full_needed_ = true;
  bool funding_dirty_ = false;
  std::set<EntryId> items_to_recompute_;
  std::vector<const VerifiedEntry*> connected_from_pending_;
  std::vector<VerifiedEntry> dropped_;
  std::set<PublicKey> touched_accounts_;
  std::set<EntryId> touched_items_;
  bool everything_changed_ = false;

  // Findings, collected by the writer at the end of Settle(), never by a reader:
  // const methods are safe from many threads at once.
  std::map<EntryId, std::vector<Finding>> findings_;
  bool findings_dirty_ = true;

  // A trial's journal: what its settling changed, to put back if it is refused.
  bool trial_ = false;
  bool trial_full_ = false;  // a full evaluation or funding recompute ran: re-run instead
  KeyMap<AccountUndo> account_undo_;
  IdMap<std::optional<ItemState>> item_undo_;
  std::vector<Node*> funded_undo_;
  std::vector<std::pair<EntryId, PublicKey>> lost_credits_;  // credits the trial took away
  std::vector<Node*> assumed_;                               // new claims judged as if confirmed
  std::size_t trial_connected_mark_ = 0;  // connected_from_pending_ before the trial
};

}  // namespace lovebank::ledger
