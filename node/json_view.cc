#include "node/json_view.h"

#include <boost/json.hpp>

#include "base/hex.h"

namespace lovebank::node {

using namespace ledger;
namespace json = boost::json;

std::string NameOf(const LedgerState& state, const PublicKey& key) {
  auto account = state.Account(key);
  if (account && account->profile) return account->profile->name;
  return {};
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
          for (const auto& c : k.policy.categories) {
            categories.push_back({{"name", c.name}, {"points_per_hour", c.points_per_hour}});
          }
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
        }
      },
      kind);
}

}  // namespace

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
