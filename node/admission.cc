#include "node/admission.h"

#include <fmt/format.h>

#include <type_traits>
#include <variant>

#include "base/clock.h"
#include "base/hex.h"

namespace lovebank::node {

using namespace ledger;

namespace {

std::int32_t Offset(const LedgerState& state) { return state.genesis().policy.utc_offset_minutes; }

std::string NameOf(const LedgerState& state, const PublicKey& key) {
  auto account = state.Account(key);
  if (account && account->profile) return account->profile->name;
  return ShortHex(key);
}

// "claim 1a2b3c4d5e6f (Helped Grandpa Zhou, care, 60 min from 2026-12-01 14:00)": an
// entry as a person recognises it.
std::string Describe(const LedgerState& state, const EntryId& id) {
  const VerifiedEntry* v = state.Find(id);
  if (v == nullptr) return "entry " + ShortHex(id);
  const Entry& e = v->entry;
  std::string what = fmt::format("{} {}", KindName(e.kind), ShortHex(id));
  auto service = [&](const std::string& activity, const std::string& category,
                     std::uint64_t start, std::uint32_t minutes) {
    return fmt::format("{} ('{}', {}, {} min from {})", what, activity, category, minutes,
                       LocalTime(start, Offset(state)));
  };
  if (auto* r = std::get_if<ServiceRecord>(&e.kind)) {
    return service(r->activity, r->category, r->start_ms, r->minutes);
  }
  if (auto* c = std::get_if<ServiceClaim>(&e.kind)) {
    return service(c->activity, c->category, c->start_ms, c->minutes) + " by " +
           NameOf(state, e.author);
  }
  return fmt::format("{} by {}, signed {}", what, NameOf(state, e.author),
                     LocalTime(e.timestamp_ms, Offset(state)));
}

std::string RoleNames(const EntryKind& kind) {
  std::string out;
  for (Role role : RolesFor(kind)) out += (out.empty() ? "" : " or ") + std::string(RoleName(role));
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

std::string NoEffect(const VerifiedEntry& v, const LedgerState& state) {
  return std::visit(
      [&](const auto& k) -> std::string {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, ServiceConfirm>) {
          return fmt::format("{} is already confirmed and counted; nothing to do",
                             Describe(state, k.claim));
        } else if constexpr (std::is_same_v<K, ServiceReject>) {
          return fmt::format("{} is already rejected; nothing to do", Describe(state, k.claim));
        } else if constexpr (std::is_same_v<K, RoleGrant>) {
          return fmt::format(
              "{} already holds the {} role from entry {} of their chain on, or a revocation "
              "by another admin at that same point outranks this grant; see `lovebank member "
              "show`, and ask the admin who revoked it to grant it again",
              NameOf(state, k.subject), RoleName(k.role), k.boundary_seq + 1);
        } else if constexpr (std::is_same_v<K, RoleRevoke>) {
          return fmt::format("{} does not hold the {} role after entry {} of their chain; "
                             "nothing to revoke",
                             NameOf(state, k.subject), RoleName(k.role), k.boundary_seq);
        } else if constexpr (std::is_same_v<K, NodeGrant>) {
          return "this node key is already on the roster, or was revoked (a revoked node key is "
                 "never admitted again: give the machine a new key)";
        } else if constexpr (std::is_same_v<K, NodeRevoke>) {
          return "this node key is not on the roster; nothing to remove";
        } else if constexpr (std::is_same_v<K, Reversal>) {
          return fmt::format("{} counts nothing that this reversal would cancel (already "
                             "reversed, or it never counted)",
                             Describe(state, k.target));
        } else if constexpr (std::is_same_v<K, Enrol>) {
          return "the profile would stay as it is";
        } else if constexpr (std::is_same_v<K, Transfer>) {
          return "you cannot give points to yourself";
        } else if constexpr (std::is_same_v<K, KeyRotate> || std::is_same_v<K, Recover>) {
          return "the account already uses that key";
        } else if constexpr (std::is_same_v<K, ForkResolution>) {
          return "that branch is already the one that goes on";
        } else if constexpr (std::is_same_v<K, Fulfil>) {
          return "the gift is out of stock on this node (handed over for other vouchers); "
                 "restock it first with `lovebank catalog restock`";
        } else if constexpr (std::is_same_v<K, Restock>) {
          return "only the station that lists a gift restocks it";
        } else if constexpr (std::is_same_v<K, CatalogWithdraw>) {
          return "only the station that lists a gift withdraws it";
        } else {
          return "the entry would change nothing on the ledger";
        }
      },
      v.entry.kind);
}

std::string ForFinding(const Trial& t, const VerifiedEntry& v, const LedgerState& state) {
  const Entry& e = v.entry;
  const Finding& f = *t.finding;
  const bool about_other = t.about && *t.about != v.id;
  const std::string who = f.subject ? NameOf(state, *f.subject) : NameOf(state, e.author);
  // The entry that carries the finding: this one, or the claim a confirmation names.
  const VerifiedEntry* subject_entry = about_other ? state.Find(*t.about) : &v;
  auto interval = subject_entry ? IntervalOf(subject_entry->entry) : std::nullopt;
  switch (f.code) {
    case FindingCode::kRoleMissing:
      return fmt::format("you do not hold the {} role this needs (it was never granted, or "
                         "was revoked); ask a community admin",
                         RoleNames(e.kind).empty() ? "coordinator" : RoleNames(e.kind));
    case FindingCode::kNotMember:
      if (std::holds_alternative<Transfer>(e.kind)) {
        return "the recipient is not an enrolled member, so the points would be lost; points go "
               "to members only. Ask a coordinator to enrol them first";
      }
      if (std::holds_alternative<ServiceConfirm>(e.kind) ||
          std::holds_alternative<ServiceReject>(e.kind)) {
        if (about_other) {
          return fmt::format("{} is not an enrolled member, so their service cannot count; "
                             "ask a coordinator to enrol them first",
                             NameOf(state, subject_entry->entry.author));
        }
        return "you are not an enrolled member, so you cannot confirm as the resident helped; "
               "ask a coordinator to enrol you, or to confirm the service";
      }
      return fmt::format("{} is not an enrolled member of this community, so the service would "
                         "earn nothing; ask a coordinator to enrol this key first "
                         "(`lovebank member enrol KEY --name NAME`)",
                         who);
    case FindingCode::kOutOfWindow:
      if (std::holds_alternative<ServiceConfirm>(e.kind) && !about_other) {
        return "the service this confirms starts after the time of your confirmation; check "
               "your computer's clock, or confirm once the service has begun";
      }
      return fmt::format("the service start {} is after the time the entry was signed, or "
                         "more than {} days before it; pass --start with when the service "
                         "really began",
                         interval ? LocalTime(interval->start_ms, Offset(state)) : "given",
                         WindowDays(state));
    case FindingCode::kOverlap: {
      std::string next;
      if (t.conflict) {
        if (const VerifiedEntry* c = state.Find(*t.conflict)) {
          if (auto ci = IntervalOf(c->entry)) {
            next = fmt::format("; if it was another time, pass --start, for example --start "
                               "'{}'",
                               LocalTime(ci->start_ms + std::uint64_t{ci->minutes} * 60'000,
                                         Offset(state)));
          }
        }
      }
      return fmt::format("{}'s service at that time overlaps {}, which already counts{}",
                         who, t.conflict ? Describe(state, *t.conflict) : "other service", next);
    }
    case FindingCode::kDayCapExceeded:
      return fmt::format("{} would have more than the community's {} minutes of service on "
                         "that day ({} already counts); record it on the day it happened, or "
                         "split it",
                         who, state.genesis().policy.max_minutes_per_day,
                         t.conflict ? Describe(state, *t.conflict) : "other service");
    case FindingCode::kEntryCapExceeded:
      return fmt::format("{} minutes is more than the community allows in one entry ({}); "
                         "split the service into several entries",
                         interval ? interval->minutes : 0,
                         state.genesis().policy.max_minutes_per_entry);
    case FindingCode::kUnknownCategory:
      return fmt::format("this community has no such activity category; use one of: {}",
                         Categories(state));
    case FindingCode::kSelfRecord:
      return "you cannot record service for yourself; ask another coordinator to record it, or "
             "claim it with `lovebank service claim`";
    case FindingCode::kSelfConfirmation:
      return "you cannot confirm or reject your own service; ask a coordinator or the resident "
             "you helped";
    case FindingCode::kRejected:
      return fmt::format("{} was rejected, and a rejection always wins over confirmations; "
                         "the volunteer may claim it again with the right details",
                         about_other ? Describe(state, *t.about) : "the claim");
    case FindingCode::kReversed:
      return fmt::format("{} was reversed by an admin and counts nothing",
                         about_other ? Describe(state, *t.about) : "this entry");
    case FindingCode::kUnfunded: {
      std::uint64_t needed = 0;
      if (auto* transfer = std::get_if<Transfer>(&e.kind)) needed = transfer->points;
      if (auto* redeem = std::get_if<Redeem>(&e.kind)) needed = redeem->points;
      return fmt::format("insufficient points: {} available, {} needed; see `lovebank balance`",
                         state.Spendable(e.author), needed);
    }
    case FindingCode::kAlreadyFulfilled:
      return "this voucher was already fulfilled; do not hand the gift over again";
    case FindingCode::kOutOfStock:
      return "the gift is out of stock; restock it first with `lovebank catalog restock`";
    case FindingCode::kVoucherMismatch:
      return "this voucher is for another station, or offers less than the gift costs; the "
             "volunteer should take it to the station it names";
    case FindingCode::kConflictingKeyMove:
      return "that key was already moved, or the new key is already taken; check both keys "
             "with `lovebank member show`";
    case FindingCode::kAlreadyEnrolled: {
      auto account = state.Account(std::get<Enrol>(e.kind).member);
      return fmt::format("{} is already enrolled; to change their profile use `lovebank member "
                         "update`",
                         account && account->profile ? account->profile->name : "this key");
    }
    case FindingCode::kItemWithdrawn:
      return "the station has withdrawn this gift from the catalogue; choose another gift "
             "(`lovebank catalog list`)";
    case FindingCode::kStaleUpdate:
      return "the profile has changed since the one this update replaces (or was never "
             "enrolled); look at it with `lovebank member show` and update again";
    case FindingCode::kFork:
    case FindingCode::kSuspended:
    case FindingCode::kFenced:
      break;
  }
  return fmt::format("the rules would flag this entry ({}); nothing was stored",
                     FindingName(f.code));
}

}  // namespace

std::optional<Refusal> CheckLocalPolicy(const VerifiedEntry& v, const AdmissionOptions& options) {
  const Entry& e = v.entry;
  if (std::holds_alternative<Genesis>(e.kind)) {
    return Refusal{RefusalCode::kGenesisExists,
                   "this node already serves a community; a genesis entry founds a new one "
                   "with `lovebank community found` and a new node"};
  }
  std::int64_t skew = static_cast<std::int64_t>(e.timestamp_ms) - options.now_ms;
  if (skew > options.max_clock_skew_ms || -skew > options.max_clock_skew_ms) {
    return Refusal{RefusalCode::kClockSkew,
                   fmt::format("the entry is dated {} minutes {} this node's clock; set the "
                               "clock of the computer that signed it, then try again",
                               (skew > 0 ? skew : -skew) / 60000,
                               skew > 0 ? "ahead of" : "behind")};
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
  RefusalCode code = RefusalForTrial(t, v.entry.kind);
  const Entry& e = v.entry;
  std::string message;
  switch (t.problem) {
    case TrialProblem::kNone:
      message = "the node refused the entry for no stated reason (a bug); see its log";
      break;
    case TrialProblem::kChain:
      message = fmt::format("entry {} of your chain does not follow what this node holds ({}); "
                            "your wallet is behind (a restored backup?) or ahead: run `lovebank "
                            "key resync`",
                            e.seq, t.reason);
      break;
    case TrialProblem::kPending:
      message = fmt::format("this node has your chain up to entry {} but this is entry {}; "
                            "submit the entries in between first (`lovebank key resync`)",
                            state.HeadSeq(e.author), e.seq);
      break;
    case TrialProblem::kInactive:
      message = t.status == EntryStatus::kFenced
                    ? "this key was replaced by a key rotation or an admin's recovery, and what "
                      "it signs now counts for nothing; use the keystore of the account's new "
                      "key"
                    : "your chain is forked (two entries with one number): your acts wait until "
                      "an admin resolves the fork (`lovebank fork resolve`)";
      break;
    case TrialProblem::kFinding:
      message = ForFinding(t, v, state);
      if (t.finding->code == FindingCode::kUnfunded &&
          std::holds_alternative<Fulfil>(e.kind)) {
        // Not provable here (the station may be offline): the floor limit decided.
        code = RefusalCode::kOfflineLimit;
        message = fmt::format(
            "this node cannot yet see enough confirmed points behind the voucher, and this "
            "volunteer's unproven vouchers would exceed the station's offline limit of {} "
            "points; reconnect the station to the community network, then try again",
            options.offline_limit_points);
      }
      break;
    case TrialProblem::kTakesCredit:
      message = fmt::format("this would take away the credit of {}, which already counts ({} "
                            "once this is counted); if both happened, check the times and pass "
                            "--start",
                            t.about ? Describe(state, *t.about) : "other service",
                            t.finding ? FindingName(t.finding->code) : "refused");
      break;
    case TrialProblem::kNoEffect:
      message = NoEffect(v, state);
      break;
    case TrialProblem::kNotFound:
      message = fmt::format("this node holds no {} with id {}; check the id (`lovebank "
                            "history`, `lovebank catalog list`), or wait until the node has "
                            "synced",
                            code == RefusalCode::kUnknownItem      ? "listed gift"
                            : code == RefusalCode::kUnknownVoucher ? "voucher"
                                                                   : "such entry",
                            t.about ? ShortHex(*t.about) : "given");
      if (code == RefusalCode::kUnknownVoucher) {
        message += "; fulfil with the voucher text the volunteer shows (`lovebank fulfil "
                   "VOUCHER`), which carries it";
      }
      break;
    case TrialProblem::kUnlisted:
      message = "this gift is handed out by another station; name the station that lists it "
                "(see `lovebank catalog list`)";
      break;
    case TrialProblem::kPriceNotMet:
      message = "the voucher offers fewer points than the gift costs (see `lovebank catalog "
                "list`)";
      break;
    case TrialProblem::kOutOfStock:
      message = "the gift is out of stock; ask the station when it will be restocked, or "
                "choose another gift";
      break;
  }
  return Refusal{code, std::move(message) + "; nothing was stored"};
}

}  // namespace lovebank::node
