#include "wallet-cli/community_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string_view>

#include "base/hex.h"
#include "crypto/secret_file.h"
#include "i18n/collate.h"
#include "i18n/i18n.h"
#include "i18n/zone.h"
#include "wallet-cli/command_kit.h"
#include "wallet-cli/output.h"

namespace lovebank::wallet {

using namespace lovebank::ledger;
using i18n::F;
using i18n::T;
namespace json = boost::json;

namespace {

// The members of a /v1/members answer in the order people read a roster: by name
// (pinyin for Chinese names), those without a name last, by key.
std::vector<json::value> ByName(const json::array& members) {
  std::vector<json::value> sorted(members.begin(), members.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const json::value& a, const json::value& b) {
    const std::string na = Str(a.at("name")), nb = Str(b.at("name"));
    if (na.empty() != nb.empty()) return nb.empty();
    if (na != nb) return i18n::NameLess(na, nb);
    return LatestKey(a) < LatestKey(b);
  });
  return sorted;
}

// "45m", "12h" or "2d" as minutes; nullopt if it is none of these or beyond 30 days.
std::optional<std::uint32_t> SpanMinutes(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::uint32_t unit = 0;
  switch (text.back()) {
    case 'm':
      unit = 1;
      break;
    case 'h':
      unit = 60;
      break;
    case 'd':
      unit = 24 * 60;
      break;
    default:
      return std::nullopt;
  }
  std::uint64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9' || n > kMaxRequestMinutes) return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  n *= unit;
  if (n == 0 || n > kMaxRequestMinutes) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

// --deadline CATEGORY:URGENCY=TAKE/RESOLVE into the policy; the reason if it is not one.
std::optional<std::string> AddDeadline(Policy& policy, const std::string& text) {
  const auto colon = text.find(':'), eq = text.find('='), slash = text.find('/');
  const std::string usage =
      T("--deadline takes CATEGORY:URGENCY=TAKE/RESOLVE, e.g. care:emergency=30m/2h (m, h or d, "
        "at most 30 days, taking no longer than doing)");
  if (colon == std::string::npos || eq == std::string::npos || slash == std::string::npos ||
      !(colon < eq && eq < slash)) {
    return usage;
  }
  const std::string name = text.substr(0, colon);
  auto urgency = UrgencyFromName(text.substr(colon + 1, eq - colon - 1));
  auto take = SpanMinutes(std::string_view(text).substr(eq + 1, slash - eq - 1));
  auto resolve = SpanMinutes(std::string_view(text).substr(slash + 1));
  if (!urgency || !take || !resolve || *take > *resolve) return usage;
  for (Category& c : policy.categories) {
    if (c.name != name) continue;
    c.deadlines[static_cast<std::size_t>(*urgency)] = {*take, *resolve};
    return std::nullopt;
  }
  return F("--deadline names the category '{}', which no --category gives", name);
}

}  // namespace

int CommunityFound(Wallet& w, const FoundArgs& a) {
  const auto& g = w.globals();
  Genesis genesis;
  genesis.community = a.name;
  for (const auto& c : a.categories) {
    auto eq = c.find('=');
    unsigned long rate = 0;
    try {
      if (eq != std::string::npos) rate = std::stoul(c.substr(eq + 1));
    } catch (...) {
      eq = std::string::npos;
    }
    if (eq == std::string::npos || eq == 0 || rate == 0 || rate > 1'000'000) {
      return Fail(g, {"usage", T("--category takes NAME=POINTS_PER_HOUR, e.g. care=10")});
    }
    genesis.policy.categories.push_back({c.substr(0, eq), static_cast<std::uint32_t>(rate)});
  }
  for (const auto& d : a.deadlines) {
    if (auto bad = AddDeadline(genesis.policy, d)) return Fail(g, {"usage", *bad});
  }
  genesis.policy.max_minutes_per_entry = a.max_per_entry;
  genesis.policy.max_minutes_per_day = a.max_per_day;
  genesis.policy.utc_offset_minutes = a.utc_offset;
  if (!a.time_zone.empty()) {
    auto zone = i18n::LookUpZone(a.time_zone);
    if (!zone) {
      return Fail(g, {"usage", F("there is no time zone called '{}'; give its name as the tz "
                                 "database spells it, e.g. Asia/Shanghai",
                                 a.time_zone)});
    }
    if (zone->changes_clocks) {
      return Fail(g, {"usage", F("{} changes its clocks for summer time, and a community's day "
                                 "needs one fixed offset; give --utc-offset-minutes instead",
                                 zone->id)});
    }
    if (a.offset_given && a.utc_offset != zone->offset_minutes) {
      return Fail(g, {"usage", F("--utc-offset-minutes {} disagrees with {} ({}); give one of "
                                 "them",
                                 a.utc_offset, zone->id, i18n::OffsetName(zone->offset_minutes))});
    }
    genesis.policy.utc_offset_minutes = zone->offset_minutes;
    genesis.policy.time_zone = zone->id;
  }
  if (a.window_days > kMaxServiceWindowDays) {
    return Fail(g, {"usage", F("--service-window-days is at most {}", kMaxServiceWindowDays)});
  }
  genesis.policy.service_window_days = a.window_days;
  std::string genesis_path = a.out + "/genesis.entry";
  std::string key_path = a.out + "/network.key";
  if (std::filesystem::exists(genesis_path) || std::filesystem::exists(key_path)) {
    return Fail(g, {"usage", F("{} already holds a community; choose another --out", a.out)});
  }
  auto me = w.MyKey();
  if (!me) return Fail(g, me.error());
  genesis.admins.push_back(*me);
  // Check the genesis against the ledger's bounds before asking for the passphrase.
  {
    Entry probe;
    probe.timestamp_ms = NowMs();
    probe.kind = genesis;
    Bytes body = EncodeEntryBody(probe);
    if (auto decoded = DecodeEntryBody(body); !decoded) {
      return Fail(g, {"usage", F("the community cannot be founded: {}", decoded.error().message)});
    }
  }
  auto v = w.SignGenesis(std::move(genesis));
  if (!v) return Fail(g, v.error());
  if (auto s = crypto::WriteSecretFile(genesis_path, v->envelope, "genesis entry"); !s) {
    return Fail(g, {"usage", s.error().message});
  }
  Bytes network_key = crypto::RandomBytes(32);
  if (auto s = crypto::WriteSecretFile(key_path, ToHex(network_key) + "\n", "network key"); !s) {
    return Fail(g, {"usage", s.error().message});
  }
  std::string id = ToHex(v->id);
  return Done(g,
              json::object{{"network", id},
                           {"genesis", genesis_path},
                           {"network_key", key_path},
                           {"admin", ToHex(v->entry.author)}},
              F("Community '{}' founded.\n  network id  {}\n  genesis     {}\n  network "
                "key {} (secret: give it only to the community's nodes)\nYou are its "
                "first admin. Next: lovebank-node init --data DIR --genesis {} "
                "--network-key {}\n",
                a.name, id, genesis_path, key_path, genesis_path, key_path));
}

int MemberEnrol(Wallet& w, const EnrolArgs& a) {
  auto key = FixedFromHex<PublicKey>(a.key);
  if (!key) {
    return Fail(w.globals(), {"usage", T("KEY must be 64 hex digits (`lovebank key show`)")});
  }
  Enrol e{*key, a.name, a.grid, a.building, a.teams};
  return Submit(w, e, F("Enrolled {}", a.name));
}

// A profile update names the profile it replaces, so two stewards updating one member
// at once cannot both win silently: the second is refused as stale and sees the first.
int MemberUpdate(Wallet& w, const UpdateArgs& a) {
  auto key = w.ResolveKey(a.key);
  if (!key) return Fail(w.globals(), key.error());
  auto account = w.Get("/v1/accounts/" + ToHex(*key));
  if (!account) return Fail(w.globals(), account.error());
  const auto& profile = account->at("profile_entry");
  if (!profile.is_string()) {
    return Fail(w.globals(), {"not_member", T("this key is not enrolled; enrol it first with "
                                              "`lovebank member enrol KEY --name NAME`")});
  }
  auto replaces = FixedFromHex<EntryId>(Str(profile));
  if (!replaces) {
    return Fail(w.globals(), {"bad_response", T("the node's profile id is not hex")});
  }
  const auto& now = account->at("profile");
  auto text = [&](const char* field) {
    const auto* v = now.is_object() ? now.as_object().if_contains(field) : nullptr;
    return v && v->is_string() ? Str(*v) : std::string();
  };
  Enrol e{*key,
          a.name.value_or(text("name")),
          a.grid.value_or(text("grid")),
          a.building.value_or(text("building")),
          {}};
  if (a.teams) {
    e.teams = *a.teams;
  } else if (const auto* teams = now.is_object() ? now.as_object().if_contains("teams") : nullptr;
             teams && teams->is_array()) {
    for (const auto& t : teams->as_array()) e.teams.push_back(Str(t));
  }
  e.replaces = *replaces;
  return Submit(w, e, F("Updated the profile of {}", e.name));
}

int MemberList(Wallet& w, bool wide) {
  auto members = w.Get("/v1/members");
  if (!members) return Fail(w.globals(), members.error());
  Table table(
      {T("name"), T("grid"), T("building"), T("roles"), T("hours"), T("balance"), T("key")});
  for (const auto& m : ByName(members->at("members").as_array())) {
    const auto* profile = m.as_object().if_contains("profile");
    const bool has = profile != nullptr && profile->is_object();
    // The founding admin, and anyone who acted before enrolment, has no name yet.
    const std::string name = Str(m.at("name"));
    table.Add({name.empty() ? T("(not enrolled)") : name, has ? Str(profile->at("grid")) : "",
               has ? Str(profile->at("building")) : "", Roles(m), Hours(U64(m.at("minutes"))),
               std::to_string(U64(m.at("balance"))), KeyCell(LatestKey(m), wide)});
  }
  return Done(w.globals(), *members, table.Render());
}

// lovebank member show KEY|NAME: one member's profile, roles, keys and totals.
int MemberShow(Wallet& w, const std::string& key_text) {
  auto key = w.ResolveKey(key_text);
  if (!key) return Fail(w.globals(), key.error());
  auto a = w.Get("/v1/accounts/" + ToHex(*key));
  if (!a) return Fail(w.globals(), a.error());
  if (!a->at("known").as_bool()) {
    return Fail(w.globals(),
                {"not_found", F("no member or account with the key {} on this node; see "
                                "`lovebank member list`",
                                Short(ToHex(*key)))});
  }
  std::string text = NameOr(a->at("name"), Str(a->at("account"))) + "\n";
  const auto& profile = a->at("profile");
  if (profile.is_object()) {
    std::string teams;
    for (const auto& t : profile.at("teams").as_array())
      teams += (teams.empty() ? "" : ", ") + Str(t);
    text += Field(T("grid"), Str(profile.at("grid"))) +
            Field(T("building"), Str(profile.at("building"))) + Field(T("teams"), teams);
  } else {
    text += T("  not enrolled (an account by its entries only)\n");
  }
  const std::string roles = Roles(*a);
  text += Field(T("roles"), roles.empty() ? T("none") : roles);
  text += Field(T("service"), Hours(U64(a->at("minutes")))) +
          Field(T("points"), std::to_string(U64(a->at("balance"))));
  const auto& keys = a->at("keys").as_array();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    text += Field(i == 0 ? T("keys") : "",
                  Str(keys[i]) + (i + 1 == keys.size() ? T(" (signs now)") : T(" (replaced)")));
  }
  return Done(w.globals(), *a, text);
}

// lovebank role list [ROLE]: who holds which role, for their next entry.
int RoleList(Wallet& w, const std::string& only, bool wide) {
  if (!only.empty() && !RoleFromName(only)) {
    return Fail(w.globals(), {"usage", T("role must be admin, coordinator, station or auditor")});
  }
  auto members = w.Get("/v1/members");
  if (!members) return Fail(w.globals(), members.error());
  Table table({T("name"), T("roles"), T("key")});
  json::array holders;
  for (const auto& m : ByName(members->at("members").as_array())) {
    bool listed = false;
    for (const auto& r : m.at("roles").as_array()) listed |= only.empty() || Str(r) == only;
    if (!listed || m.at("roles").as_array().empty()) continue;
    table.Add({NameOr(m.at("name"), LatestKey(m)), Roles(m), KeyCell(LatestKey(m), wide)});
    holders.push_back(m);
  }
  std::string text = table.empty()
                         ? (only.empty() ? T("Nobody holds a role.\n")
                                         : F("Nobody holds the role {}.\n", RoleWord(only)))
                         : table.Render();
  return Done(w.globals(), json::object{{"members", std::move(holders)}}, text);
}

// lovebank node list: the node keys the community's admins admitted (the roster).
int NodeList(Wallet& w, bool wide) {
  auto s = w.Status();
  if (!s) return Fail(w.globals(), s.error());
  Table table({T("node key")});
  for (const auto& k : s->at("node_roster").as_array()) table.Add({KeyCell(Str(k), wide)});
  std::string text = table.empty() ? T("No node has been admitted; an admin admits one with "
                                       "`lovebank node grant NODEKEY`.\n")
                                   : table.Render();
  return Done(w.globals(), json::object{{"node_roster", s->at("node_roster")}}, text);
}

int RoleAct(Wallet& w, bool grant, const std::string& key_text, const std::string& role_name) {
  auto role = RoleFromName(role_name);
  if (!role) {
    return Fail(w.globals(), {"usage", T("role must be admin, coordinator, station or auditor")});
  }
  auto key = w.ResolveKey(key_text);
  if (!key) return Fail(w.globals(), key.error());
  auto account = w.Get("/v1/accounts/" + ToHex(*key));
  if (!account) return Fail(w.globals(), account.error());
  // The boundary is the subject's newest entry: the change holds for what they sign next.
  std::uint64_t boundary = U64(account->at("key_head_seq"));
  std::string who = NameOr(account->at("name"), ToHex(*key));
  if (grant) {
    return Submit(w, RoleGrant{*key, *role, boundary},
                  F("Granted {} to {}", RoleWord(role_name), who));
  }
  return Submit(w, RoleRevoke{*key, *role, boundary},
                F("Revoked {} from {} (acts after their entry {} no longer carry it)",
                  RoleWord(role_name), who, boundary));
}

int NodeAct(Wallet& w, bool grant, const std::string& key_text, const std::string& label) {
  auto key = FixedFromHex<PublicKey>(key_text);
  if (!key) {
    return Fail(w.globals(),
                {"usage", T("NODEKEY is 64 hex digits (`lovebank-node id --data DIR`)")});
  }
  if (grant) return Submit(w, NodeGrant{*key, label}, F("Admitted node {}", Short(key_text)));
  return Submit(w, NodeRevoke{*key, label}, F("Removed node {}", Short(key_text)));
}

}  // namespace lovebank::wallet
