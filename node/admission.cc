#include "node/admission.h"

#include <fmt/format.h>


namespace lovebank::node {

using namespace ledger;

namespace {

Refusal Refuse(std::string code, int status, std::string message) {
  return Refusal{std::move(code), status, std::move(message)};
}


std::optional<Refusal> NeedRole(const VerifiedEntry& v, const LedgerState& state, Role role,
                                std::string_view act) {
  if (state.HoldsRole(v.entry.author, v.entry.seq, role)) return std::nullopt;
  return Refuse("role_missing", 403,
                fmt::format("you do not hold the {} role needed to {} (it was never granted or "
                            "has been revoked); ask a community admin",
                            RoleName(role), act));
}

std::optional<ItemView> FindItem(const LedgerState& state, const EntryId& id) {
  for (auto& item : state.Items()) {
    if (item.id == id) return item;
  }
  return std::nullopt;
}

std::optional<Refusal> CheckCategory(const LedgerState& state, const std::string& category,
                                     std::uint32_t minutes) {
  const Policy& policy = state.genesis().policy;
  bool known = false;
  std::string names;
  for (const auto& c : policy.categories) {
    known = known || c.name == category;
    names += (names.empty() ? "" : ", ") + c.name;
  }
  if (!known) {
    return Refuse("unknown_category", 422,
                  fmt::format("this community has no activity category '{}'; use one of: {}",
                              category, names));
  }
  if (policy.max_minutes_per_entry != 0 && minutes > policy.max_minutes_per_entry) {
    return Refuse("entry_cap_exceeded", 422,
                  fmt::format("{} minutes is more than the community allows in one entry ({}); "
                              "split the service into several entries",
                              minutes, policy.max_minutes_per_entry));
  }
  return std::nullopt;
}

std::optional<Refusal> CheckFunds(const VerifiedEntry& v, const LedgerState& state,
                                  const BatchOverlay& overlay, std::uint64_t points) {
  PublicKey account = state.AccountOf(v.entry.author);
  std::uint64_t spendable = state.Spendable(account);
  if (auto it = overlay.debits.find(account); it != overlay.debits.end()) {
    spendable = spendable > it->second ? spendable - it->second : 0;
  }
  if (points <= spendable) return std::nullopt;
  return Refuse("insufficient_points", 422,
                fmt::format("insufficient points: {} available, {} needed", spendable, points));
}

}  // namespace

void BatchOverlay::Admit(const VerifiedEntry& v, const LedgerState& state) {
  heads[v.entry.author] = Head{v.entry.seq, v.id};
  PublicKey account = state.AccountOf(v.entry.author);
  if (auto* t = std::get_if<Transfer>(&v.entry.kind)) debits[account] += t->points;
  if (auto* r = std::get_if<Redeem>(&v.entry.kind)) debits[account] += r->points;
  if (auto* f = std::get_if<Fulfil>(&v.entry.kind)) fulfilled[f->redeem] = true;
}

std::uint64_t UnprovenVoucherPoints(const PublicKey& volunteer, const LedgerState& state,
                                    const std::vector<EntryId>& history) {
  std::uint64_t total = 0;
  for (const auto& id : history) {
    const VerifiedEntry* v = state.Find(id);
    if (!v || state.AccountOf(v->entry.author) != state.AccountOf(volunteer)) continue;
    const auto* redeem = std::get_if<Redeem>(&v->entry.kind);
    if (!redeem || state.IsFunded(id) || state.FulfilsOf(id).empty()) continue;
    total += redeem->points;
  }
  return total;
}

std::optional<Refusal> CheckWalletEntry(const VerifiedEntry& v, const LedgerState& state,
                                        const BatchOverlay& overlay,
                                        const AdmissionOptions& options) {
  const Entry& e = v.entry;
  if (state.Find(v.id)) return std::nullopt;  // a retry: the store reports a duplicate

  if (std::holds_alternative<Genesis>(e.kind)) {
    return Refuse("genesis_exists", 409,
                  "this node already serves a community; a genesis entry founds a new one "
                  "with `lovebank community found` and a new node");
  }
  std::int64_t skew = static_cast<std::int64_t>(e.timestamp_ms) - options.now_ms;
  if (skew > options.max_clock_skew_ms || -skew > options.max_clock_skew_ms) {
    return Refuse("clock_skew", 422,
                  fmt::format("the entry is dated {} minutes {} this node's clock; set the clock "
                              "of the computer that signed it, then try again",
                              (skew > 0 ? skew : -skew) / 60000, skew > 0 ? "ahead of" : "behind"));
  }

  // The chain: the next seq after the author's head, linked to it.
  std::uint64_t head_seq = state.HeadSeq(e.author);
  std::optional<EntryId> head_id;
  if (auto it = overlay.heads.find(e.author); it != overlay.heads.end()) {
    head_seq = it->second.seq;
    head_id = it->second.id;
  }
  if (e.seq <= head_seq) {
    return Refuse("chain_conflict", 409,
                  fmt::format("this node already holds entry {} of your chain, a different one; "
                              "signing it again would fork your account. Your wallet is behind "
                              "(a restored backup?): run `lovebank key resync`",
                              e.seq));
  }
  if (e.seq > head_seq + 1) {
    return Refuse("missing_previous", 409,
                  fmt::format("this node has your chain up to entry {} but this is entry {}; "
                              "submit the entries in between first",
                              head_seq, e.seq));
  }
  if (e.seq > 1) {
    bool linked = false;
    if (head_id) {
      linked = e.prev == head_id;
    } else if (const VerifiedEntry* prev = state.Find(*e.prev)) {
      linked = prev->entry.author == e.author && prev->entry.seq == e.seq - 1;
    }
    if (!linked) {
      return Refuse("chain_conflict", 409,
                    fmt::format("entry {} does not follow the entry this node holds as your "
                                "entry {}; your wallet and the ledger disagree. Run `lovebank key "
                                "resync` to continue from the ledger's head",
                                e.seq, e.seq - 1));
    }
  }

  PublicKey me = state.AccountOf(e.author);
  return std::visit(
      [&](const auto& k) -> std::optional<Refusal> {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, Enrol>) {
          if (state.HoldsRole(e.author, e.seq, Role::kAdmin)) return std::nullopt;
          return NeedRole(v, state, Role::kCoordinator, "enrol members");
        } else if constexpr (std::is_same_v<K, RoleGrant> || std::is_same_v<K, RoleRevoke>) {
          return NeedRole(v, state, Role::kAdmin, "grant or revoke roles");
        } else if constexpr (std::is_same_v<K, NodeGrant> || std::is_same_v<K, NodeRevoke>) {
          return NeedRole(v, state, Role::kAdmin, "admit or remove nodes");
        } else if constexpr (std::is_same_v<K, Recover>) {
          return NeedRole(v, state, Role::kAdmin, "recover accounts");
        } else if constexpr (std::is_same_v<K, Reversal>) {
          if (!state.Find(k.target)) {
            return Refuse("not_found", 404, "no entry with that id on this node; check the id");
          }
          return NeedRole(v, state, Role::kAdmin, "reverse credits");
        } else if constexpr (std::is_same_v<K, ForkResolution>) {
          return NeedRole(v, state, Role::kAdmin, "resolve forks");
        } else if constexpr (std::is_same_v<K, AuditCheckpoint>) {
          return NeedRole(v, state, Role::kAuditor, "sign audit checkpoints");
        } else if constexpr (std::is_same_v<K, ServiceRecord>) {
          if (auto r = NeedRole(v, state, Role::kCoordinator, "record service")) return r;
          for (const auto& volunteer : k.volunteers) {
            if (state.AccountOf(volunteer) == me) {
              return Refuse("self_record", 422,
                            "you cannot record service for yourself; ask another coordinator "
                            "to record it, or claim it with `lovebank service claim`");
            }
          }
          return CheckCategory(state, k.category, k.minutes);
        } else if constexpr (std::is_same_v<K, ServiceClaim>) {
          return CheckCategory(state, k.category, k.minutes);
        } else if constexpr (std::is_same_v<K, ServiceConfirm> ||
                             std::is_same_v<K, ServiceReject>) {
          const VerifiedEntry* claim = state.Find(k.claim);
          if (!claim || !std::holds_alternative<ServiceClaim>(claim->entry.kind)) {
            return Refuse("not_found", 404,
                          "no service claim with that id on this node; check the id with "
                          "`lovebank history` of the volunteer");
          }
          if (state.AccountOf(claim->entry.author) == me) {
            return Refuse("self_confirmation", 422,
                          "you cannot confirm or reject your own service; ask a coordinator or "
                          "the resident you helped");
          }
          const auto& beneficiary = std::get<ServiceClaim>(claim->entry.kind).beneficiary;
          if (beneficiary && state.AccountOf(*beneficiary) == me) return std::nullopt;
          return NeedRole(v, state, Role::kCoordinator, "confirm or reject service");
        } else if constexpr (std::is_same_v<K, Transfer>) {
          if (state.AccountOf(k.to) == me) {
            return Refuse("self_transfer", 422, "you cannot give points to yourself");
          }
          return CheckFunds(v, state, overlay, k.points);
        } else if constexpr (std::is_same_v<K, CatalogItem>) {
          return NeedRole(v, state, Role::kStation, "list gifts");
        } else if constexpr (std::is_same_v<K, Restock>) {
          if (auto r = NeedRole(v, state, Role::kStation, "restock gifts")) return r;
          auto item = FindItem(state, k.item);
          if (!item) {
            return Refuse("unknown_item", 404,
                          "no gift with that id in the catalogue; see `lovebank catalog list`");
          }
          if (item->station != me) {
            return Refuse("not_your_item", 403,
                          "this gift is listed by another station; only that station restocks it");
          }
          return std::nullopt;
        } else if constexpr (std::is_same_v<K, Redeem>) {
          auto item = FindItem(state, k.item);
          if (!item) {
            return Refuse("unknown_item", 404,
                          "no gift with that id in the catalogue; see `lovebank catalog list`");
          }
          if (item->station != state.AccountOf(k.station)) {
            return Refuse("voucher_mismatch", 422,
                          "this gift is handed out by another station; name the station that "
                          "lists it (see `lovebank catalog list`)");
          }
          if (k.points < item->price) {
            return Refuse("voucher_mismatch", 422,
                          fmt::format("'{}' costs {} points, the voucher offers {}", item->name,
                                      item->price, k.points));
          }
          if (item->stock == 0) {
            return Refuse("out_of_stock", 409,
                          fmt::format("'{}' is out of stock; ask the station when it will be "
                                      "restocked, or choose another gift",
                                      item->name));
          }
          return CheckFunds(v, state, overlay, k.points);
        } else if constexpr (std::is_same_v<K, Fulfil>) {
          if (auto r = NeedRole(v, state, Role::kStation, "fulfil vouchers")) return r;
          const VerifiedEntry* redeem = state.Find(k.redeem);
          if (!redeem || !std::holds_alternative<Redeem>(redeem->entry.kind)) {
            return Refuse("unknown_voucher", 404,
                          "this node does not have the voucher; fulfil with the voucher text "
                          "the volunteer shows (`lovebank fulfil VOUCHER`), which carries it");
          }
          const auto& voucher = std::get<Redeem>(redeem->entry.kind);
          if (!state.FulfilsOf(k.redeem).empty() || overlay.fulfilled.count(k.redeem)) {
            return Refuse("already_fulfilled", 409,
                          "this voucher was already fulfilled; do not hand the gift over again");
          }
          if (state.AccountOf(voucher.station) != me) {
            return Refuse("voucher_mismatch", 422,
                          "this voucher is for another station; the volunteer should take it "
                          "there");
          }
          auto item = FindItem(state, voucher.item);
          if (!item) {
            return Refuse("unknown_item", 404, "the gift this voucher names is not listed here");
          }
          if (item->stock == 0) {
            return Refuse("out_of_stock", 409,
                          fmt::format("'{}' is out of stock; restock it first with `lovebank "
                                      "catalog restock`",
                                      item->name));
          }
          if (!state.IsFunded(k.redeem)) {
            // Not provable here (the station may be offline): the floor limit decides.
            std::uint64_t unproven =
                options.unproven_points ? options.unproven_points(redeem->entry.author) : 0;
            if (unproven + voucher.points > options.offline_limit_points) {
              return Refuse(
                  "offline_limit", 409,
                  fmt::format("this node cannot yet see enough confirmed points behind the "
                              "voucher ({} points), and this volunteer's unproven vouchers "
                              "would exceed the station's offline limit of {} points; reconnect "
                              "the station to the community network, then try again",
                              voucher.points, options.offline_limit_points));
            }
          }
          return std::nullopt;
        } else {
          return std::nullopt;
        }
      },
      e.kind);
}

}  // namespace lovebank::node
