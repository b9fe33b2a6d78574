#include "node/json_view.h"

#include <boost/json.hpp>
#include <utility>

#include "base/hex.h"
#include "ledger/rules.h"

namespace lovebank::node {

using namespace ledger;
namespace json = boost::json;

std::string NameOf(const LedgerState& state, const PublicKey& key) {
  auto account = state.Account(key);
  if (account && account->profile) return account->profile->name;
  return {};
}

json::object CategoryJson(const Policy& policy, const Category& c) {
  json::object deadlines;
  for (auto [name, urgency] :
       {std::pair{"emergency", Urgency::kEmergency}, std::pair{"normal", Urgency::kNormal},
        std::pair{"complex", Urgency::kComplex}}) {
    const RequestDeadlines d = DeadlinesFor(policy, c.name, urgency);
    deadlines[name] = {{"take_minutes", d.take_ms / 60'000},
                       {"resolve_minutes", d.resolve_ms / 60'000}};
  }
  return {{"name", c.name}, {"points_per_hour", c.points_per_hour}, {"deadlines", deadlines}};
}

namespace {

json::array Keys(const std::vector<PublicKey>& keys) {
  json::array out;
  for (const auto& k : keys) out.emplace_back(ToHex(k));
  return out;
}

void AddKind(json::object& o, const EntryKind& kind) {
  std::visit(
      [&](const auto& k) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, Genesis>) {
          o["community"] = k.community;
          o["admins"] = Keys(k.admins);
          json::array categories;
          for (const auto& c : k.policy.categories) categories.push_back(CategoryJson(k.policy, c));
          o["categories"] = std::move(categories);
          o["max_minutes_per_entry"] = k.policy.max_minutes_per_entry;
          o["max_minutes_per_day"] = k.policy.max_minutes_per_day;
          o["utc_offset_minutes"] = k.policy.utc_offset_minutes;
        } else if constexpr (std::is_same_v<K, Enrol>) {
          o["member"] = ToHex(k.member);
          o["name"] = k.name;
          o["grid"] = k.grid;
          o["building"] = k.building;
          json::array teams;
          for (const auto& t : k.teams) teams.emplace_back(t);
          o["teams"] = std::move(teams);
        } else if constexpr (std::is_same_v<K, RoleGrant> || std::is_same_v<K, RoleRevoke>) {
          o["subject"] = ToHex(k.subject);
          o["role"] = RoleName(k.role);
          o["boundary_seq"] = k.boundary_seq;
        } else if constexpr (std::is_same_v<K, NodeGrant> || std::is_same_v<K, NodeRevoke>) {
          o["node"] = ToHex(k.node);
          o["label"] = k.label;
        } else if constexpr (std::is_same_v<K, KeyRotate> || std::is_same_v<K, Recover>) {
          o["old_key"] = ToHex(k.old_key);
          o["new_key"] = ToHex(k.new_key);
          o["boundary_seq"] = k.boundary_seq;
        } else if constexpr (std::is_same_v<K, ServiceRecord>) {
          o["activity"] = k.activity;
          o["category"] = k.category;
          o["start_ms"] = k.start_ms;
          o["minutes"] = k.minutes;
          o["volunteers"] = Keys(k.volunteers);
        } else if constexpr (std::is_same_v<K, ServiceClaim>) {
          o["activity"] = k.activity;
          o["category"] = k.category;
          o["start_ms"] = k.start_ms;
          o["minutes"] = k.minutes;
          if (k.beneficiary) o["beneficiary"] = ToHex(*k.beneficiary);
        } else if constexpr (std::is_same_v<K, ServiceConfirm> ||
                             std::is_same_v<K, ServiceReject>) {
          o["claim"] = ToHex(k.claim);
          o["reason"] = k.reason;
        } else if constexpr (std::is_same_v<K, Transfer>) {
          o["to"] = ToHex(k.to);
          o["points"] = k.points;
          o["memo"] = k.memo;
        } else if constexpr (std::is_same_v<K, CatalogItem>) {
          o["name"] = k.name;
          o["price"] = k.price;
          o["stock"] = k.stock;
        } else if constexpr (std::is_same_v<K, Restock>) {
          o["item"] = ToHex(k.item);
          o["added"] = k.added;
        } else if constexpr (std::is_same_v<K, CatalogWithdraw>) {
          o["item"] = ToHex(k.item);
          o["reason"] = k.reason;
        } else if constexpr (std::is_same_v<K, Redeem>) {
          o["item"] = ToHex(k.item);
          o["station"] = ToHex(k.station);
          o["points"] = k.points;
          o["nonce"] = ToHex(k.nonce);
        } else if constexpr (std::is_same_v<K, Fulfil>) {
          o["redeem"] = ToHex(k.redeem);
        } else if constexpr (std::is_same_v<K, Reversal>) {
          o["target"] = ToHex(k.target);
          if (k.volunteer) o["volunteer"] = ToHex(*k.volunteer);
          o["reason"] = k.reason;
        } else if constexpr (std::is_same_v<K, ForkResolution>) {
          o["fork_author"] = ToHex(k.author);
          o["fork_seq"] = k.seq;
          o["chosen"] = ToHex(k.chosen);
        } else if constexpr (std::is_same_v<K, AuditCheckpoint>) {
          o["chain_root"] = ToHex(k.chain_root);
          o["entry_count"] = k.entry_count;
          o["state_hash"] = ToHex(k.state_hash);
        } else if constexpr (std::is_same_v<K, RequestOpen>) {
          o["category"] = k.category;
          o["title"] = k.title;
          if (k.resident) o["resident"] = ToHex(*k.resident);
          o["grid"] = k.grid;
          o["building"] = k.building;
          o["urgency"] = UrgencyName(k.urgency);
          o["volunteers"] = k.volunteers;
          o["channel"] = ChannelName(k.channel);
        } else if constexpr (std::is_same_v<K, RequestTake>) {
          o["request"] = ToHex(k.request);
        } else if constexpr (std::is_same_v<K, RequestResolve>) {
          o["request"] = ToHex(k.request);
          o["start_ms"] = k.start_ms;
          o["minutes"] = k.minutes;
          o["note"] = k.note;
        } else if constexpr (std::is_same_v<K, RequestConfirm>) {
          o["request"] = ToHex(k.request);
          o["after"] = ToHex(k.after);
          json::array resolves;
          for (const auto& id : k.resolves) resolves.emplace_back(ToHex(id));
          o["resolves"] = std::move(resolves);
          o["rating"] = k.rating;
          o["comment"] = k.comment;
        } else if constexpr (std::is_same_v<K, RequestReopen>) {
          o["request"] = ToHex(k.request);
          o["after"] = ToHex(k.after);
          o["reason"] = k.reason;
        } else if constexpr (std::is_same_v<K, RequestClose>) {
          o["request"] = ToHex(k.request);
          o["after"] = ToHex(k.after);
          o["close_reason"] = CloseReasonName(k.reason_code);
          o["reason"] = k.reason;
        } else if constexpr (std::is_same_v<K, RequestEscalate>) {
          o["request"] = ToHex(k.request);
          o["level"] = LevelName(k.level);
          o["reason"] = k.reason;
        }
      },
      kind);
}

}  // namespace

std::string_view RequestStateName(RequestView::State s) {
  switch (s) {
    case RequestView::State::kOpen:
      return "open";
    case RequestView::State::kConfirmed:
      return "confirmed";
    case RequestView::State::kClosed:
      return "closed";
  }
  return "open";
}

json::object RequestJson(const RequestView& r, const LedgerState& state) {
  json::object o;
  o["id"] = ToHex(r.id);
  o["title"] = r.open.title;
  o["category"] = r.open.category;
  o["grid"] = r.open.grid;
  o["building"] = r.open.building;
  o["urgency"] = UrgencyName(r.open.urgency);
  o["channel"] = ChannelName(r.open.channel);
  o["volunteers_wanted"] = r.open.volunteers;
  o["opener"] = ToHex(r.opener);
  o["opener_name"] = NameOf(state, r.opener);
  o["resident"] = ToHex(r.resident);
  o["resident_name"] = NameOf(state, r.resident);
  o["opened_ms"] = r.opened_ms;
  o["counts"] = r.counts;
  o["state"] = RequestStateName(r.state);
  o["state_entry"] = ToHex(r.state_entry);
  o["reopened"] = r.reopened;
  o["level"] = LevelName(r.level);
  json::array takers;
  for (std::size_t i = 0; i < r.takers.size(); ++i) {
    takers.push_back(json::object{{"key", ToHex(r.takers[i])},
                                  {"name", NameOf(state, r.takers[i])},
                                  {"taken_ms", r.taken_ms[i]}});
  }
  o["takers"] = std::move(takers);
  json::array resolves, credited;
  for (const auto& id : r.resolves) resolves.emplace_back(ToHex(id));
  for (const auto& id : r.credited) credited.emplace_back(ToHex(id));
  o["resolves"] = std::move(resolves);
  o["credited"] = std::move(credited);
  o["rating"] = r.rating ? json::value(*r.rating) : json::value(nullptr);
  o["confirmed_by_steward"] = r.confirmed_by_steward;
  o["confirmed_ms"] = r.confirmed_ms ? json::value(*r.confirmed_ms) : json::value(nullptr);
  o["closed_ms"] = r.closed_ms ? json::value(*r.closed_ms) : json::value(nullptr);
  o["close_reason"] =
      r.close_reason ? json::value(CloseReasonName(*r.close_reason)) : json::value(nullptr);
  return o;
}

json::object EntryJson(const VerifiedEntry& v, const LedgerState& state) {
  const Entry& e = v.entry;
  json::object o;
  o["id"] = ToHex(v.id);
  o["kind"] = KindName(e.kind);
  o["author"] = ToHex(e.author);
  o["author_name"] = NameOf(state, e.author);
  // The recipient by name too, so that a history reads "from Xiao Mei to Auntie Chen".
  if (const auto* t = std::get_if<ledger::Transfer>(&e.kind)) o["to_name"] = NameOf(state, t->to);
  o["seq"] = e.seq;
  o["prev"] = e.prev ? json::value(ToHex(*e.prev)) : json::value(nullptr);
  o["timestamp_ms"] = e.timestamp_ms;
  o["status"] = EntryStatusName(state.Status(v.id));
  json::array findings;
  for (const auto& f : state.FindingsFor(v.id)) {
    json::object jf{{"code", FindingName(f.code)}};
    if (f.subject) jf["subject"] = ToHex(*f.subject);
    findings.push_back(std::move(jf));
  }
  o["findings"] = std::move(findings);
  if (std::holds_alternative<Transfer>(e.kind) || std::holds_alternative<Redeem>(e.kind)) {
    o["funded"] = state.IsFunded(v.id);
  }
  if (std::holds_alternative<Redeem>(e.kind)) {
    json::array fulfils;
    for (const auto& id : state.FulfilsOf(v.id)) fulfils.emplace_back(ToHex(id));
    o["fulfilled_by"] = std::move(fulfils);
  }
  AddKind(o, e.kind);
  return o;
}

json::object AccountJson(const AccountView& a, const LedgerState& state) {
  json::object o;
  o["account"] = ToHex(a.id);
  o["keys"] = Keys(a.keys);
  o["name"] = a.profile ? a.profile->name : "";
  if (a.profile) {
    json::array teams;
    for (const auto& t : a.profile->teams) teams.emplace_back(t);
    o["profile"] = {{"name", a.profile->name},
                    {"grid", a.profile->grid},
                    {"building", a.profile->building},
                    {"teams", std::move(teams)}};
  } else {
    o["profile"] = nullptr;
  }
  o["minutes"] = a.minutes;
  json::object by_category;
  for (const auto& [c, m] : a.minutes_by_category) by_category[c] = m;
  o["minutes_by_category"] = std::move(by_category);
  o["service_points"] = a.service_points;
  o["received_points"] = a.received_points;
  o["spent_points"] = a.spent_points;
  o["unfunded_points"] = a.unfunded_points;
  o["balance"] = a.balance;
  o["spendable"] = state.Spendable(a.id);
  json::array roles;
  for (auto r : a.roles) roles.emplace_back(RoleName(r));
  o["roles"] = std::move(roles);
  const PublicKey& current = a.keys.back();
  o["head_seq"] = state.HeadSeq(current);
  return o;
}

json::object ItemJson(const ItemView& item, const LedgerState& state) {
  return {{"item", ToHex(item.id)},
          {"name", item.name},
          {"station", ToHex(item.station)},
          {"station_name", NameOf(state, item.station)},
          {"price", item.price},
          {"stock", item.stock},
          {"fulfilled", item.fulfilled},
          {"withdrawn", item.withdrawn}};
}

}  // namespace lovebank::node
