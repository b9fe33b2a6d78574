// LedgerState: the deterministic state machine of one community's ledger.
//
// Ledger state is a pure function of the *set* of entries stored: whatever order
// entries arrive in, and however often Settle() is called in between, the derived
// state and its StateHash() come out the same, and equal a replay of the same set.
// docs/ledger-rules.md states every rule; this header is the interface.
//
// Two layers:
// - Structure, updated by Add(): chains by (author, seq), the pending pool of entries
//   whose prev has not arrived, and fork evidence.
// - Derived state, brought up to date by Settle(): roles, accounts, minutes and
//   points, funding of debits, catalogue and stock, findings. Common entries (service,
//   transfers, redemptions under unchanged governance) are applied incrementally;
//   anything that can lower a credit or change authority (a role act, a reversal, a
//   key move, a fork) triggers a full re-evaluation, which is the same code.
//
// Pure: no I/O, no clock. One writer (the store's ingest thread); const methods read
// only and are safe from many threads at once between writes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/sum256.h"
#include "crypto/hashing.h"
#include "ledger/entry.h"
#include "ledger/rules.h"

namespace lovebank::ledger {

enum class AddOutcome : std::uint8_t {
  kApplied,    // connected to its chain; its effect shows after Settle()
  kPending,    // stored in the pending pool until its prev arrives
  kDuplicate,  // already stored; nothing changed
  kInvalid,    // refused; nothing changed (see reason)
};

struct AddResult {
  AddOutcome outcome;
  std::string reason;  // for kInvalid: what is wrong, for a person
};

struct Profile {
  std::string name, grid, building;
  std::vector<std::string> teams;
  friend bool operator==(const Profile&, const Profile&) = default;
};

struct AccountView {
  PublicKey id;                  // the account's first key
  std::vector<PublicKey> keys;   // id first, then each key it moved to
  std::uint64_t minutes = 0;     // credited service minutes, lifetime
  std::map<std::string, std::uint64_t> minutes_by_category;
  std::uint64_t service_points = 0;   // points from credited service
  std::uint64_t received_points = 0;  // points from funded transfers in
  std::uint64_t spent_points = 0;     // funded debits (redemptions, transfers out)
  std::uint64_t unfunded_points = 0;  // debits signed but not covered (flagged)
  std::uint64_t balance = 0;          // service + received - spent
  std::uint32_t debit_count = 0;
  std::optional<Profile> profile;
  std::vector<Role> roles;  // roles the account holds for its next entry

  friend bool operator==(const AccountView&, const AccountView&) = default;
};

struct ItemView {
  EntryId id;          // the catalog_item entry
  PublicKey station;   // the account of the station that lists it
  std::string name;
  std::uint64_t price = 0;
  std::uint64_t stock = 0;      // left on the shelf
  std::uint64_t fulfilled = 0;  // vouchers fulfilled within stock
  bool withdrawn = false;       // the station took it out of the catalogue
};

// A help request as the rules stand now (docs/ledger-rules.md, "Help requests").
struct RequestView {
  enum class State : std::uint8_t { kOpen, kConfirmed, kClosed };
  EntryId id;          // the request_open entry
  PublicKey opener;    // its author
  PublicKey resident;  // the account helped (the opener's, when they asked for themselves)
  RequestOpen open;    // what was asked, where, how urgently, how many places
  std::uint64_t opened_ms = 0;
  bool counts = false;  // whether the open counts; if not, nothing of it does
  State state = State::kOpen;
  EntryId state_entry;  // the open, or the last state act on the path
  bool reopened = false;
  std::vector<PublicKey> takers;  // authors of the counting takes, by take id
  std::vector<std::uint64_t> taken_ms;
  std::vector<EntryId> resolves;  // active resolves, credited or not
  std::vector<EntryId> credited;  // resolves a counting confirmation credits
  Level level = Level::kBuilding;
  std::optional<std::uint32_t> rating;  // of the last counting confirmation
  bool confirmed_by_steward = false;    // 代确认: a coordinator confirmed for the resident
  std::optional<std::uint64_t> confirmed_ms, closed_ms;
  std::optional<CloseReason> close_reason;
  std::vector<EntryId> acts;  // every connected act naming it, by timestamp then id
};

// One credited service interval: a volunteer's part of a record, or a confirmed claim.
struct ServiceCredit {
  PublicKey account;    // the volunteer's account
  EntryId source;       // the service record or claim
  std::string category;
  std::uint64_t start_ms = 0;
  std::uint32_t minutes = 0;
  std::uint64_t points = 0;
};

// What a peer needs to tell whether two copies of one author's chain agree: the
// highest connected seq, how many entries are connected (more than the seq on a
// forked chain), and the sum of their ids (base/sum256.h). Pending entries are not
// counted: they are not part of any chain yet.
struct ChainSummary {
  std::uint64_t head_seq = 0;
  std::uint64_t count = 0;
  Sum256 id_sum;
  friend bool operator==(const ChainSummary&, const ChainSummary&) = default;
};

// Why LedgerState::TryAdmit refused a submission.
enum class TrialProblem : std::uint8_t {
  kNone,
  kChain,        // does not fit its author's chain here (`reason` says how)
  kPending,      // its prev is not on this ledger
  kInactive,     // signed by a key moved away (fenced) or on a fork branch: `status`
  kFinding,      // the rules would flag it, or the claim it confirms: `finding`, on `about`
  kTakesCredit,  // it would take away the credit of `about` (which would get `finding`)
  kNoEffect,     // it would change nothing: a second confirmation, a grant of a held role
  kNotFound,     // names an entry, item or voucher this ledger does not hold: `about`
  kUnlisted,     // a voucher for item `about`, which the named station does not list
  kPriceNotMet,  // a voucher offering less than item `about` costs
  kOutOfStock,   // a voucher for item `about`, which is out of stock
};

// A trial's answer. `index` is the refused entry of the submission.
struct Trial {
  bool admitted = true;
  std::size_t index = 0;
  TrialProblem problem = TrialProblem::kNone;
  std::optional<Finding> finding;
  std::optional<EntryId> about;     // the entry the finding is on, or the one named
  std::optional<EntryId> conflict;  // the credited service it overlaps or fills the day with
  EntryStatus status = EntryStatus::kUnknown;
  std::string reason;
};

struct TrialOptions {
  // Findings the node's local policy lets through: an unproven voucher a station may
  // fulfil offline within its floor limit. Unset: none.
  std::function<bool(const VerifiedEntry&, const Finding&)> forgive;
  // Keep entries that wait for an earlier entry of their chain (a voucher bundle's
  // history, when this node has not seen the volunteer's whole chain).
  bool allow_pending = false;
};

struct ForkEvidence {
  PublicKey author;
  std::uint64_t seq;
  std::vector<EntryId> entries;  // two or more, sorted
};

class LedgerState {
 public:
  // A state for the community founded by `genesis`. Requires: `genesis` passed
  // VerifyEnvelope and is of kind Genesis.
  explicit LedgerState(const VerifiedEntry& genesis);
  ~LedgerState();
  LedgerState(const LedgerState&) = delete;
  LedgerState& operator=(const LedgerState&) = delete;

  const NetworkId& network() const;
  const Genesis& genesis() const;

  // Stores `entry` structurally. Requires: it passed VerifyEnvelope (signature, form).
  // Refuses (kInvalid) an entry of another community or one whose prev is known but
  // is not the author's entry seq-1.
  AddResult Add(VerifiedEntry entry);

  // Makes room for about `entries` entries at once, so a large replay does not rehash
  // the id index again and again. Only a hint.
  void Reserve(std::size_t entries);

  // Brings derived state up to date with everything added. Cheap when nothing changed.
  void Settle();

  // The one judgement a node makes of a person's submission (DESIGN.md, "One
  // judgement"). Adds `entries` (one submission, in chain order) and settles them with
  // exactly the code Settle() runs; keeps them only if each is connected and active,
  // gets no finding (but those `options.forgive` lets through), names what exists,
  // takes no credit away from another entry, and changes what its kind exists to
  // change. A new claim is judged as if it were confirmed, so a claim that could never
  // count is refused when it is made. Otherwise removes them again, and the state is
  // as it was (state hash included). Entries already stored are skipped. An act whose
  // author lacks the role its kind needs (RolesFor) is refused before anything is
  // added. Call Settle() before reading findings afterwards.
  Trial TryAdmit(std::vector<VerifiedEntry> entries, const TrialOptions& options = {});

  // Everything below reads derived state; call Settle() first.

  // BLAKE2b-256 over the canonical encoding of all derived state (docs/storage.md).
  crypto::Digest StateHash() const;

  std::optional<AccountView> Account(const PublicKey& key) const;
  // The enrol entry that is the current profile of `key`'s account (what a profile
  // update names in `replaces`), if it is a member by enrolment.
  std::optional<EntryId> ProfileEntry(const PublicKey& key) const;
  // Every account with anything in it, ordered by id.
  std::vector<AccountView> Accounts() const;
  std::vector<ItemView> Items() const;
  // Help requests. Requests() walks every request in memory, oldest open first
  // (DESIGN.md "Memory": to move to a store index with the others).
  std::optional<RequestView> Request(const EntryId& id) const;
  std::vector<RequestView> Requests() const;
  std::vector<ForkEvidence> Forks() const;
  std::vector<PublicKey> NodeRoster() const;

  EntryStatus Status(const EntryId& id) const;
  std::vector<Finding> FindingsFor(const EntryId& id) const;
  // All findings, by entry id, as collected by the last Settle(). Like every const
  // method here, safe from many threads at once while nobody calls a non-const one.
  const std::map<EntryId, std::vector<Finding>>& Findings() const;
  // The findings of one entry computed afresh from the rule families (what
  // FindingsFor gives after a Settle(); the property tests check they agree).
  std::vector<Finding> FindingsOfEntry(const EntryId& id) const;

  // Whether `key`'s entry at `seq` would carry `role`.
  bool HoldsRole(const PublicKey& key, std::uint64_t seq, Role role) const;
  // The account id `key` belongs to (itself unless it was moved into an account).
  PublicKey AccountOf(const PublicKey& key) const;
  // Points `key`'s account could spend now: credits minus every debit it signed.
  std::uint64_t Spendable(const PublicKey& key) const;
  // The seq of `key`'s newest connected entry (0 if none), and its id.
  std::uint64_t HeadSeq(const PublicKey& key) const;

  // Whether `author` has two or more stored entries at `seq` (fork evidence).
  bool ForkedAt(const PublicKey& author, std::uint64_t seq) const;
  // The summary of `author`'s connected chain (all zero if it has none).
  ChainSummary Summary(const PublicKey& author) const;
  // (seq, id) of every connected entry of `author`'s chain, by seq then id (a forked
  // seq lists each of its entries).
  std::vector<std::pair<std::uint64_t, EntryId>> ChainIds(const PublicKey& author) const;
  // Calls `fn` for every author with a connected entry, in no particular order.
  void ForEachChain(const std::function<void(const PublicKey&, const ChainSummary&)>& fn) const;

  // The entry with `id`, if held. A store-backed state gives connected entries back
  // without their envelope (empty: the signed bytes are on disk, Store::FindEnvelope);
  // pending ones keep it until they connect and are written.
  const VerifiedEntry* Find(const EntryId& id) const;
  // Frees the signed bytes of the connected entry `id` once they are on disk; the
  // decoded entry stays. No-op for an unknown or pending entry.
  void ReleaseEnvelope(const EntryId& id);
  // Calls `fn` for every stored entry, connected or pending, in no particular order.
  void ForEachEntry(const std::function<void(const VerifiedEntry&, bool connected)>& fn) const;

  // Every credited service interval, grouped by account (order unspecified).
  void ForEachCredit(const std::function<void(const ServiceCredit&)>& fn) const;
  // The credited service intervals of `key`'s account, by start then source id.
  std::vector<ServiceCredit> Credits(const PublicKey& key) const;
  // Whether the debit `id` (a connected transfer or redeem) is inside its account's
  // funded prefix.
  bool IsFunded(const EntryId& id) const;
  // The connected fulfil entries that name the voucher `redeem`.
  std::vector<EntryId> FulfilsOf(const EntryId& redeem) const;
  // Points of the vouchers signed by `key`'s account (any of its keys) that some
  // station fulfilled while this ledger cannot show them funded: still pending, or not
  // covered by the credits it holds. What a station's offline limit bounds. Reads
  // memory only: the account's chains, not its history.
  std::uint64_t FulfilledUnfundedPoints(const PublicKey& key) const;
  // The connected claims that wait for a verdict (no valid confirmation or rejection
  // yet, not reversed, by an active member), oldest first. With `judge`, only those
  // `judge`'s account could confirm with its next entry: as a coordinator any but its
  // own, otherwise those naming it as the resident helped. Walks the service sources
  // in memory (DESIGN.md "Memory": to move to a store index with the others).
  std::vector<EntryId> WaitingClaims(const std::optional<PublicKey>& judge) const;

  std::uint64_t connected_count() const;
  std::uint64_t pending_count() const;

  // What changed since the last call, for the store to persist. `connected` holds
  // entries that left the pending pool, with their envelopes; `dropped` are pending
  // entries refused when their prev arrived and did not match, handed back whole so
  // that the store can delete every row it wrote for them.
  struct Changes {
    std::vector<const VerifiedEntry*> connected_from_pending;
    std::vector<VerifiedEntry> dropped;
    bool everything = false;  // derived rows: rewrite all
    std::vector<PublicKey> accounts;
    std::vector<EntryId> items;
  };
  Changes TakeChanges();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lovebank::ledger
