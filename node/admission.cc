#include "node/admission.h"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>
#include <variant>

#include "base/clock.h"
#include "base/hex.h"
#include "i18n/i18n.h"

namespace lovebank::node {

using namespace ledger;

namespace {
// What a person calls each kind of entry, in the order of the EntryKind variant.
constexpr const char* kKindWords[] = {
    N_("community founding"), N_("enrolment"),    N_("role grant"),      N_("role revocation"),
    N_("node admission"),     N_("node removal"), N_("key rotation"),    N_("recovery"),
    N_("service record"),     N_("claim"),        N_("confirmation"),    N_("rejection"),
    N_("transfer"),           N_("gift listing"), N_("restock"),         N_("voucher"),
    N_("hand-over"),          N_("reversal"),     N_("fork resolution"), N_("audit checkpoint"),
    N_("gift withdrawal"),    N_("help request"), N_("take of a request"), N_("resolve of a request"),
    N_("confirmation of a request"), N_("reopening of a request"), N_("closing of a request"),
    N_("escalation of a request")};
static_assert(std::size(kKindWords) == std::variant_size_v<EntryKind>);
}  // namespace

std::string KindWord(i18n::Lang lang, const EntryKind& kind) {
  return i18n::Tr(lang, kKindWords[kind.index()]);
}

namespace {

using i18n::Lang;
using i18n::Tr;
using i18n::TrF;

std::int32_t Offset(const LedgerState& state) { return state.genesis().policy.utc_offset_minutes; }

std::string NameOf(const LedgerState& state, const PublicKey& key) {
  auto account = state.Account(key);
  if (account && account->profile) return account->profile->name;
  return ShortHex(key);
}

std::string RoleWord(Lang lang, Role role) {
  switch (role) {
    case Role::kAdmin:
      return Tr(lang, "admin");
    case Role::kCoordinator:
      return Tr(lang, "coordinator");
    case Role::kStation:
      return Tr(lang, "station");
    case Role::kAuditor:
      return Tr(lang, "auditor");
  }
  return std::string(RoleName(role));
}

// "claim 1a2b3c4d5e6f ('Helped Grandpa Zhou', care, 60 min from 2026-12-01 14:00) by
// Li Hua": an entry as a person recognises it.
std::string Describe(Lang lang, const LedgerState& state, const EntryId& id) {
  const VerifiedEntry* v = state.Find(id);
  if (v == nullptr) return TrF(lang, "entry {}", ShortHex(id));
  const Entry& e = v->entry;
  const std::string kind = KindWord(lang, e.kind);
  if (auto* r = std::get_if<ServiceRecord>(&e.kind)) {
    return TrF(lang, "{0} {1} ('{2}', {3}, {4} min from {5})", kind, ShortHex(id), r->activity,
               r->category, r->minutes, LocalTime(r->start_ms, Offset(state)));
  }
  if (auto* c = std::get_if<ServiceClaim>(&e.kind)) {
    return TrF(lang, "{0} {1} ('{2}', {3}, {4} min from {5}) by {6}", kind, ShortHex(id),
               c->activity, c->category, c->minutes, LocalTime(c->start_ms, Offset(state)),
               NameOf(state, e.author));
  }
  return TrF(lang, "{0} {1} by {2}, signed {3}", kind, ShortHex(id), NameOf(state, e.author),
             LocalTime(e.timestamp_ms, Offset(state)));
}

// What a finding makes of an entry that counted, for "it would be ... once this counts".
std::string FindingWord(Lang lang, FindingCode code) {
  switch (code) {
    case FindingCode::kOverlap:
      return Tr(lang, "overlapping");
    case FindingCode::kDayCapExceeded:
      return Tr(lang, "over the day's limit");
    default:
      return std::string(FindingName(code));
  }
}

std::string RoleNames(Lang lang, const EntryKind& kind) {
  std::string out;
  for (Role role : RolesFor(kind)) {
    out += (out.empty() ? std::string() : Tr(lang, " or ")) + RoleWord(lang, role);
  }
  return out;
}

std::string Categories(const LedgerState& state) {
  std::string names;
  for (const auto& c : state.genesis().policy.categories) {
    names += (names.empty() ? "" : ", ") + c.name;
  }
  return names;
}

std::uint32_t WindowDays(const LedgerState& state) {
  auto days = state.genesis().policy.service_window_days;
  return days != 0 ? days : kDefaultServiceWindowDays;
}

// The service interval an entry states, if it is a record or a claim.
struct Interval {
  std::uint64_t start_ms = 0;
  std::uint32_t minutes = 0;
};
std::optional<Interval> IntervalOf(const Entry& e) {
  if (auto* r = std::get_if<ServiceRecord>(&e.kind)) return Interval{r->start_ms, r->minutes};
  if (auto* c = std::get_if<ServiceClaim>(&e.kind)) return Interval{c->start_ms, c->minutes};
  return std::nullopt;
}

// The service an entry states: when, how long, in what, and whose (accounts).
struct StatedService {
  std::uint64_t start_ms = 0;
  std::uint32_t minutes = 0;
  std::string category;
  std::vector<PublicKey> accounts;
};
std::optional<StatedService> ServiceOf(const Entry& e, const LedgerState& state) {
  if (auto* r = std::get_if<ServiceRecord>(&e.kind)) {
    StatedService s{r->start_ms, r->minutes, r->category, {}};
    for (const auto& k : r->volunteers) s.accounts.push_back(state.AccountOf(k));
    return s;
  }
  if (auto* c = std::get_if<ServiceClaim>(&e.kind)) {
    return StatedService{c->start_ms, c->minutes, c->category, {state.AccountOf(e.author)}};
  }
  return std::nullopt;
}

// Whether `a` states the very service `b` does: the same start, minutes and category
// for the same volunteers. A steward who records an afternoon twice means "it is
// already there", not "it overlaps". A record that adds a volunteer is not the same
// (that volunteer's service is not on the ledger), and keeps the overlap sentence.
bool SameService(const Entry& a, const Entry& b, const LedgerState& state) {
  auto x = ServiceOf(a, state), y = ServiceOf(b, state);
  if (!x || !y || x->start_ms != y->start_ms || x->minutes != y->minutes ||
      x->category != y->category) {
    return false;
  }
  std::sort(x->accounts.begin(), x->accounts.end());
  std::sort(y->accounts.begin(), y->accounts.end());
  x->accounts.erase(std::unique(x->accounts.begin(), x->accounts.end()), x->accounts.end());
  y->accounts.erase(std::unique(y->accounts.begin(), y->accounts.end()), y->accounts.end());
  return x->accounts == y->accounts;
}

std::string NoEffect(Lang lang, const VerifiedEntry& v, const LedgerState& state) {
  return std::visit(
      [&](const auto& k) -> std::string {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, ServiceConfirm>) {
          return TrF(lang, "{} is already confirmed and counted; nothing to do",
                     Describe(lang, state, k.claim));
        } else if constexpr (std::is_same_v<K, ServiceReject>) {
          return TrF(lang, "{} is already rejected; nothing to do", Describe(lang, state, k.claim));
        } else if constexpr (std::is_same_v<K, RoleGrant>) {
          return TrF(lang,
                     "{} already holds the {} role from entry {} of their chain on, or a "
                     "revocation by another admin at that same point outranks this grant; see "
                     "`lovebank member show`, and ask the admin who revoked it to grant it again",
                     NameOf(state, k.subject), RoleWord(lang, k.role), k.boundary_seq + 1);
        } else if constexpr (std::is_same_v<K, RoleRevoke>) {
          return TrF(lang,
                     "{} does not hold the {} role after entry {} of their chain; nothing to "
                     "revoke",
                     NameOf(state, k.subject), RoleWord(lang, k.role), k.boundary_seq);
        } else if constexpr (std::is_same_v<K, NodeGrant>) {
          return Tr(lang,
                    "this node key is already on the roster, or was revoked (a revoked node key "
                    "is never admitted again: give the machine a new key)");
        } else if constexpr (std::is_same_v<K, NodeRevoke>) {
          return Tr(lang, "this node key is not on the roster; nothing to remove");
        } else if constexpr (std::is_same_v<K, Reversal>) {
          return TrF(lang,
                     "{} counts nothing that this reversal would cancel (already reversed, or "
                     "it never counted)",
                     Describe(lang, state, k.target));
        } else if constexpr (std::is_same_v<K, Enrol>) {
          return Tr(lang, "the profile would stay as it is");
        } else if constexpr (std::is_same_v<K, Transfer>) {
          return Tr(lang, "you cannot give points to yourself");
        } else if constexpr (std::is_same_v<K, KeyRotate> || std::is_same_v<K, Recover>) {
          return Tr(lang, "the account already uses that key");
        } else if constexpr (std::is_same_v<K, ForkResolution>) {
          return Tr(lang, "that branch is already the one that goes on");
        } else if constexpr (std::is_same_v<K, Fulfil>) {
          return Tr(lang,
                    "the gift is out of stock on this node (handed over for other vouchers); "
                    "restock it first with `lovebank catalog restock`");
        } else if constexpr (std::is_same_v<K, Restock>) {
          return Tr(lang, "only the station that lists a gift restocks it");
        } else if constexpr (std::is_same_v<K, CatalogWithdraw>) {
          return Tr(lang, "only the station that lists a gift withdraws it");
        } else {
          return Tr(lang, "the entry would change nothing on the ledger");
        }
      },
      v.entry.kind);
}

std::string ForFinding(Lang lang, const Trial& t, const VerifiedEntry& v,
                       const LedgerState& state) {
  const Entry& e = v.entry;
  const Finding& f = *t.finding;
  const bool about_other = t.about && *t.about != v.id;
  const std::string who = f.subject ? NameOf(state, *f.subject) : NameOf(state, e.author);
  // The entry that carries the finding: this one, or the claim a confirmation names.
  const VerifiedEntry* subject_entry = about_other ? state.Find(*t.about) : &v;
  auto interval = subject_entry ? IntervalOf(subject_entry->entry) : std::nullopt;
  auto conflict = [&] {
    return t.conflict ? Describe(lang, state, *t.conflict) : Tr(lang, "other service");
  };
  switch (f.code) {
    case FindingCode::kRoleMissing: {
      std::string roles = RoleNames(lang, e.kind);
      return TrF(lang,
                 "you do not hold the {} role this needs (it was never granted, or was "
                 "revoked); ask a community admin",
                 roles.empty() ? Tr(lang, "coordinator") : roles);
    }
    case FindingCode::kNotMember:
      if (std::holds_alternative<Transfer>(e.kind)) {
        return Tr(lang,
                  "the recipient is not an enrolled member, so the points would be lost; points "
                  "go to members only. Ask a coordinator to enrol them first");
      }
      if (std::holds_alternative<ServiceConfirm>(e.kind) ||
          std::holds_alternative<ServiceReject>(e.kind)) {
        if (about_other && subject_entry != nullptr) {
          return TrF(lang,
                     "{} is not an enrolled member, so their service cannot count; ask a "
                     "coordinator to enrol them first",
                     NameOf(state, subject_entry->entry.author));
        }
        return Tr(lang,
                  "you are not an enrolled member, so you cannot confirm as the resident "
                  "helped; ask a coordinator to enrol you, or to confirm the service");
      }
      return TrF(lang,
                 "{} is not an enrolled member of this community, so the service would earn "
                 "nothing; ask a coordinator to enrol this key first (`lovebank member enrol "
                 "KEY --name NAME`)",
                 who);
    case FindingCode::kOutOfWindow:
      if (std::holds_alternative<ServiceConfirm>(e.kind) && !about_other) {
        return Tr(lang,
                  "the service this confirms starts after the time of your confirmation; check "
                  "your computer's clock, or confirm once the service has begun");
      }
      if (!interval) {
        return TrF(lang,
                   "the service starts after the time the entry was signed, or more than {} "
                   "days before it; pass --start with when the service really began",
                   WindowDays(state));
      }
      return TrF(lang,
                 "the service start {} is after the time the entry was signed, or more than {} "
                 "days before it; pass --start with when the service really began",
                 LocalTime(interval->start_ms, Offset(state)), WindowDays(state));
    case FindingCode::kOverlap: {
      if (t.conflict) {
        if (const VerifiedEntry* c = state.Find(*t.conflict)) {
          if (auto ci = IntervalOf(c->entry)) {
            return TrF(
                lang,
                "{}'s service at that time overlaps {}, which already counts; if it was "
                "another time, pass --start, for example --start '{}'",
                who, conflict(),
                LocalTime(ci->start_ms + std::uint64_t{ci->minutes} * 60'000, Offset(state)));
          }
        }
      }
      return TrF(lang, "{}'s service at that time overlaps {}, which already counts", who,
                 conflict());
    }
    case FindingCode::kDayCapExceeded:
      return TrF(lang,
                 "{} would have more than the community's {} minutes of service on that day "
                 "({} already counts); record it on the day it happened, or split it",
                 who, state.genesis().policy.max_minutes_per_day, conflict());
    case FindingCode::kEntryCapExceeded:
      return TrF(lang,
                 "{} minutes is more than the community allows in one entry ({}); split the "
                 "service into several entries",
                 interval ? interval->minutes : 0, state.genesis().policy.max_minutes_per_entry);
    case FindingCode::kUnknownCategory:
      return TrF(lang, "this community has no such activity category; use one of: {}",
                 Categories(state));
    case FindingCode::kSelfRecord:
      return Tr(lang,
                "you cannot record service for yourself; ask another coordinator to record it, "
                "or claim it with `lovebank service claim`");
    case FindingCode::kSelfConfirmation:
      return Tr(lang,
                "you cannot confirm or reject your own service; ask a coordinator or the "
                "resident you helped");
    case FindingCode::kRejected:
      if (about_other) {
        return TrF(lang,
                   "{} was rejected, and a rejection always wins over confirmations; the "
                   "volunteer may claim it again with the right details",
                   Describe(lang, state, *t.about));
      }
      return Tr(lang,
                "the claim was rejected, and a rejection always wins over confirmations; the "
                "volunteer may claim it again with the right details");
    case FindingCode::kReversed:
      if (about_other) {
        return TrF(lang, "{} was reversed by an admin and counts nothing",
                   Describe(lang, state, *t.about));
      }
      return Tr(lang, "this entry was reversed by an admin and counts nothing");
    case FindingCode::kUnfunded: {
      std::uint64_t needed = 0;
      if (auto* transfer = std::get_if<Transfer>(&e.kind)) needed = transfer->points;
      if (auto* redeem = std::get_if<Redeem>(&e.kind)) needed = redeem->points;
      return TrF(lang, "insufficient points: {} available, {} needed; see `lovebank balance`",
                 state.Spendable(e.author), needed);
    }
    case FindingCode::kAlreadyFulfilled:
      return Tr(lang, "this voucher was already fulfilled; do not hand the gift over again");
    case FindingCode::kOutOfStock:
      return Tr(lang, "the gift is out of stock; restock it first with `lovebank catalog restock`");
    case FindingCode::kVoucherMismatch:
      return Tr(lang,
                "this voucher is for another station, or offers less than the gift costs; the "
                "volunteer should take it to the station it names");
    case FindingCode::kConflictingKeyMove:
      return Tr(lang,
                "that key was already moved, or the new key is already taken; check both keys "
                "with `lovebank member show`");
    case FindingCode::kAlreadyEnrolled: {
      auto account = state.Account(std::get<Enrol>(e.kind).member);
      if (account && account->profile) {
        return TrF(lang,
                   "{} is already enrolled; to change their profile use `lovebank member "
                   "update`",
                   account->profile->name);
      }
      return Tr(lang,
                "this key is already enrolled; to change the profile use `lovebank member "
                "update`");
    }
    case FindingCode::kUnknownRequest:
      return Tr(lang, "this node knows no open help request with that id (or its opening does not count); check the id with `lovebank request list`");
    case FindingCode::kOwnRequest:
      return Tr(lang, "you cannot take a request you opened or one for yourself; another volunteer must take it");
    case FindingCode::kRequestFull:
      return Tr(lang, "this request already has as many volunteers as it asked for; ask the steward whether another is needed");
    case FindingCode::kAlreadyTaken:
      return Tr(lang, "you have already taken this request");
    case FindingCode::kNotTaken:
      return Tr(lang, "you have not taken this request (or your take does not count); take it first with `lovebank request take`");
    case FindingCode::kStaleRequest:
      return Tr(lang, "the request has changed since (confirmed, reopened or closed); look at it with `lovebank request show` and try again");
    case FindingCode::kNotResident:
      return Tr(lang, "only the resident helped, or a steward for a request phoned in or made on a visit, may do this");
    case FindingCode::kItemWithdrawn:
      return Tr(lang,
                "the station has withdrawn this gift from the catalogue; choose another gift "
                "(`lovebank catalog list`)");
    case FindingCode::kStaleUpdate:
      return Tr(lang,
                "the profile has changed since the one this update replaces (or was never "
                "enrolled); look at it with `lovebank member show` and update again");
    case FindingCode::kFork:
    case FindingCode::kSuspended:
    case FindingCode::kFenced:
      break;
  }
  return TrF(lang, "the rules would flag this entry ({})", FindingName(f.code));
}

}  // namespace

std::optional<Refusal> CheckLocalPolicy(const VerifiedEntry& v, const AdmissionOptions& options) {
  const Entry& e = v.entry;
  const Lang lang = options.lang;
  if (std::holds_alternative<Genesis>(e.kind)) {
    return Refusal{RefusalCode::kGenesisExists,
                   Tr(lang,
                      "this node already serves a community; a genesis entry founds a new one "
                      "with `lovebank community found` and a new node")};
  }
  std::int64_t skew = static_cast<std::int64_t>(e.timestamp_ms) - options.now_ms;
  if (skew > options.max_clock_skew_ms) {
    return Refusal{RefusalCode::kClockSkew,
                   TrF(lang,
                       "the entry is dated {} minutes ahead of this node's clock; set the clock "
                       "of the computer that signed it, then try again",
                       skew / 60000)};
  }
  if (-skew > options.max_clock_skew_ms) {
    return Refusal{RefusalCode::kClockSkew,
                   TrF(lang,
                       "the entry is dated {} minutes behind this node's clock; set the clock "
                       "of the computer that signed it, then try again",
                       -skew / 60000)};
  }
  return std::nullopt;
}

TrialOptions TrialOptionsFor(bool voucher, const LedgerState& state,
                             const AdmissionOptions& options) {
  TrialOptions out;
  out.allow_pending = voucher;
  out.forgive = [voucher, &state, options](const VerifiedEntry& v, const Finding& f) {
    if (f.code != FindingCode::kUnfunded) return false;
    if (voucher) return true;  // a volunteer's own debits, unproven where the station is
    auto* fulfil = std::get_if<Fulfil>(&v.entry.kind);
    if (fulfil == nullptr) return false;
    const VerifiedEntry* redeem = state.Find(fulfil->redeem);
    if (redeem == nullptr) return false;
    const std::uint64_t unproven =
        options.unproven_points ? options.unproven_points(redeem->entry.author) : 0;
    const std::uint64_t points = std::get<Redeem>(redeem->entry.kind).points;
    // The trial has added this fulfil, so this voucher is usually among the unproven
    // already; counted twice, a station could hand over only half its limit.
    const bool counted =
        !state.IsFunded(fulfil->redeem) && !state.FulfilsOf(fulfil->redeem).empty();
    if (counted) return unproven <= options.offline_limit_points;
    return unproven <= options.offline_limit_points &&
           points <= options.offline_limit_points - unproven;
  };
  return out;
}

Refusal Explain(const Trial& t, const VerifiedEntry& v, const LedgerState& state,
                const AdmissionOptions& options) {
  const Lang lang = options.lang;
  RefusalCode code = RefusalForTrial(t, v.entry.kind);
  const Entry& e = v.entry;
  std::string message;
  // The same service stated again: an overlap with it, or taking its credit by the
  // tie-break, is what the rules see; "already on the ledger" is what happened.
  const std::optional<EntryId> other =
      t.problem == TrialProblem::kTakesCredit ? t.about
      : t.problem == TrialProblem::kFinding && t.finding && t.finding->code == FindingCode::kOverlap
          ? t.conflict
          : std::nullopt;
  if (other) {
    if (const VerifiedEntry* o = state.Find(*other); o && SameService(e, o->entry, state)) {
      return Refusal{RefusalCode::kNoEffect,
                     TrF(lang,
                         "this service is already on the ledger as {}; nothing was saved. If "
                         "it was another time, pass --start with when it began",
                         Describe(lang, state, *other))};
    }
  }
  switch (t.problem) {
    case TrialProblem::kNone:
      message = Tr(lang, "the node refused the entry for no stated reason (a bug); see its log");
      break;
    case TrialProblem::kChain:
      message = TrF(lang,
                    "entry {} of your chain does not follow what this node holds ({}); your "
                    "wallet is behind (a restored backup?) or ahead: run `lovebank key resync`",
                    e.seq, t.reason);
      break;
    case TrialProblem::kPending:
      message = TrF(lang,
                    "this node has your chain up to entry {} but this is entry {}; submit the "
                    "entries in between first (`lovebank key resync`)",
                    state.HeadSeq(e.author), e.seq);
      break;
    case TrialProblem::kInactive:
      message = t.status == EntryStatus::kFenced
                    ? Tr(lang,
                         "this key was replaced by a key rotation or an admin's recovery, and "
                         "what it signs now counts for nothing; use the keystore of the "
                         "account's new key")
                    : Tr(lang,
                         "your chain is forked (two entries with one number): your acts wait "
                         "until an admin resolves the fork (`lovebank fork resolve`)");
      break;
    case TrialProblem::kFinding:
      message = ForFinding(lang, t, v, state);
      if (t.finding->code == FindingCode::kUnfunded &&
          std::holds_alternative<Fulfil>(e.kind)) {
        // Not provable here (the station may be offline): the floor limit decided.
        code = RefusalCode::kOfflineLimit;
        message = TrF(lang,
                      "this node cannot yet see enough confirmed points behind the voucher, and "
                      "this volunteer's unproven vouchers would exceed the station's offline "
                      "limit of {} points; reconnect the station to the community network, then "
                      "try again",
                      options.offline_limit_points);
      }
      break;
    case TrialProblem::kTakesCredit:
      message = TrF(lang,
                    "this would take away the credit of {}, which already counts ({} once this "
                    "is counted); if both happened, check the times and pass --start",
                    t.about ? Describe(lang, state, *t.about) : Tr(lang, "other service"),
                    t.finding ? FindingWord(lang, t.finding->code) : Tr(lang, "refused"));
      break;
    case TrialProblem::kNoEffect:
      message = NoEffect(lang, v, state);
      break;
    case TrialProblem::kNotFound: {
      const std::string id = t.about ? ShortHex(*t.about) : std::string("?");
      if (code == RefusalCode::kUnknownItem) {
        message = TrF(lang,
                      "this node lists no gift with id {}; check the id (`lovebank catalog "
                      "list`), or wait until the node has synced",
                      id);
      } else if (code == RefusalCode::kUnknownVoucher) {
        message = TrF(lang,
                      "this node holds no voucher with id {}; fulfil with the voucher text the "
                      "volunteer shows (`lovebank fulfil VOUCHER`), which carries it",
                      id);
      } else {
        message = TrF(lang,
                      "this node holds no such entry with id {}; check the id (`lovebank "
                      "history`), or wait until the node has synced",
                      id);
      }
      break;
    }
    case TrialProblem::kUnlisted:
      message = Tr(lang,
                   "this gift is handed out by another station; name the station that lists it "
                   "(see `lovebank catalog list`)");
      break;
    case TrialProblem::kPriceNotMet:
      message = Tr(lang,
                   "the voucher offers fewer points than the gift costs (see `lovebank catalog "
                   "list`)");
      break;
    case TrialProblem::kOutOfStock:
      message = Tr(lang,
                   "the gift is out of stock; ask the station when it will be restocked, or "
                   "choose another gift");
      break;
  }
  return Refusal{code, message + Tr(lang, "; nothing was stored")};
}

}  // namespace lovebank::node
