// lovebank: the one wallet for volunteers, coordinators, station staff, admins and
// auditors. `lovebank --help` lists the commands; docs/cli.md shows each with an
// example and its --json output.
#include <fmt/format.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/base64.h"
#include "base/file.h"
#include "base/hex.h"
#include "crypto/keystore.h"
#include "crypto/secret_file.h"
#include "i18n/cli_docs.h"
#include "i18n/cli_usage.h"
#include "i18n/collate.h"
#include "i18n/i18n.h"
#include "i18n/width.h"
#include "ledger/voucher.h"
#include "wallet-cli/account_commands.h"
#include "wallet-cli/audit_commands.h"
#include "wallet-cli/command_kit.h"
#include "wallet-cli/community_commands.h"
#include "wallet-cli/gift_commands.h"
#include "wallet-cli/key_commands.h"
#include "wallet-cli/output.h"
#include "wallet-cli/request_commands.h"
#include "wallet-cli/wallet.h"

namespace {

using namespace lovebank;
using namespace lovebank::wallet;
using namespace lovebank::ledger;
using i18n::F;
using i18n::T;
namespace json = boost::json;

// ---- commands -------------------------------------------------------------------

struct ServiceArgs {
  std::string activity, category, start, beneficiary;
  std::uint32_t minutes = 0;
  std::vector<std::string> volunteers;
};

int ServiceRecordCmd(Wallet& w, const ServiceArgs& a) {
  auto start = ParseStart(w, a.start, a.minutes);
  if (!start) return Fail(w.globals(), start.error());
  ServiceRecord r{a.activity, a.category, *start, a.minutes, {}};
  for (const auto& v : a.volunteers) {
    auto key = w.ResolveKey(v);
    if (!key) return Fail(w.globals(), key.error());
    r.volunteers.push_back(*key);
  }
  // The ledger's canonical form lists each volunteer once, in key order.
  std::sort(r.volunteers.begin(), r.volunteers.end());
  r.volunteers.erase(std::unique(r.volunteers.begin(), r.volunteers.end()), r.volunteers.end());
  if (r.volunteers.size() > kMaxVolunteersPerRecord) {
    return Fail(w.globals(), {"usage", T("at most 200 volunteers per record; split the list")});
  }
  std::size_t n = r.volunteers.size();
  return Submit(w, std::move(r),
                n == 1 ? F("Recorded {} of {} for 1 volunteer", Hours(a.minutes), a.activity)
                       : F("Recorded {} of {} for {} volunteers", Hours(a.minutes), a.activity, n));
}

int ServiceClaimCmd(Wallet& w, const ServiceArgs& a) {
  auto start = ParseStart(w, a.start, a.minutes);
  if (!start) return Fail(w.globals(), start.error());
  ServiceClaim c{a.activity, a.category, *start, a.minutes, std::nullopt};
  if (!a.beneficiary.empty()) {
    auto key = w.ResolveKey(a.beneficiary);
    if (!key) return Fail(w.globals(), key.error());
    c.beneficiary = *key;
  }
  auto answer = w.SignAndSubmit(std::move(c));
  if (!answer) return Fail(w.globals(), answer.error());
  std::string id = Str(answer->at("id"));
  return Done(w.globals(), *answer,
              F("Claimed {} of {} (claim {}).\nA coordinator confirms it with: "
                "lovebank service confirm {}\n",
                Hours(a.minutes), a.activity, Short(id), Short(id)));
}

int ServiceVerdict(Wallet& w, bool confirm, const std::string& id_text, const std::string& reason) {
  auto id = w.ResolveId(id_text);
  if (!id) return Fail(w.globals(), id.error());
  auto claim = w.Get("/v1/entries/" + ToHex(*id));
  if (!claim) return Fail(w.globals(), claim.error());
  if (Str(claim->at("kind")) != "service_claim") {
    return Fail(w.globals(),
                {"not_found", F("entry {} is not a service claim", Short(ToHex(*id)))});
  }
  auto me = w.MyKey();
  if (!me) return Fail(w.globals(), me.error());
  auto mine = w.Get("/v1/accounts/" + ToHex(*me));
  auto theirs = w.Get("/v1/accounts/" + Str(claim->at("author")));
  if (!mine || !theirs) return Fail(w.globals(), (!mine ? mine : theirs).error());
  if (Str(mine->at("account")) == Str(theirs->at("account"))) {
    return Fail(w.globals(),
                {"self_confirmation", T("you cannot confirm or reject your own service; ask a "
                                        "coordinator or the resident you helped")});
  }
  std::string who = NameOr(claim->at("author_name"), Str(claim->at("author")));
  const std::string hours = Hours(U64(claim->at("minutes")));
  const std::string activity = Str(claim->at("activity"));
  if (confirm) {
    return Submit(w, ServiceConfirm{*id, reason},
                  F("Confirmed {} of {} by {}", hours, activity, who));
  }
  return Submit(w, ServiceReject{*id, reason}, F("Rejected {} of {} by {}", hours, activity, who));
}

// lovebank service pending: the claims waiting for a verdict, oldest first; without
// --all, only those this key could confirm (GET /v1/claims?for=KEY).
int ServicePending(Wallet& w, bool all, unsigned limit) {
  std::string target = "/v1/claims?limit=" + std::to_string(limit);
  if (!all) {
    auto me = w.MyKey();
    if (!me) return Fail(w.globals(), me.error());
    target += "&for=" + ToHex(*me);
  }
  auto offset = w.UtcOffset();
  if (!offset) return Fail(w.globals(), offset.error());
  auto r = w.Get(target);
  if (!r) return Fail(w.globals(), r.error());
  const auto& claims = r->at("claims").as_array();
  Table table({T("claimed"), T("by"), T("what"), T("category"), T("when"), T("time"), T("helped"),
               T("claim")});
  for (const auto& c : claims) {
    const auto& o = c.as_object();
    const auto* helped = o.if_contains("beneficiary_name");
    table.Add({LocalTime(U64(o.at("timestamp_ms")), *offset).substr(0, 10),
               NameOr(o.at("author_name"), Str(o.at("author"))), Str(o.at("activity")),
               Str(o.at("category")), LocalTime(U64(o.at("start_ms")), *offset),
               Hours(U64(o.at("minutes"))), helped ? NameOr(*helped, Str(o.at("beneficiary"))) : "",
               Short(Str(o.at("id")))});
  }
  std::string text;
  if (claims.empty()) {
    text = all ? T("No claims are waiting.\n") : T("No claims are waiting for you.\n");
  } else {
    text = table.Render();
    if (U64(r->at("total")) > claims.size()) {
      text += F("({} of {} claims, oldest first; more with --limit)\n", claims.size(),
                U64(r->at("total")));
    }
    text += all ? ""
                : T("Confirm one with `lovebank service confirm CLAIM`, or reject it with "
                    "`lovebank service reject CLAIM --reason TEXT`.\n");
  }
  return Done(w.globals(), *r, text);
}

// A transfer of this many points or more asks for a yes (Wallet::Confirm).
constexpr std::uint64_t kConfirmTransferPoints = 100;

int TransferCmd(Wallet& w, const std::string& to_text, std::uint64_t points,
                const std::string& memo) {
  auto to = w.ResolveKey(to_text);
  if (!to) return Fail(w.globals(), to.error());
  if (points == 0) return Fail(w.globals(), {"usage", T("POINTS must be at least 1")});
  if (points >= kConfirmTransferPoints) {
    // Asked only of a transfer that can count: one the points do not cover is refused
    // by the node anyway, with the balance.
    auto me = w.MyKey();
    if (!me) return Fail(w.globals(), me.error());
    auto mine = w.Get("/v1/accounts/" + ToHex(*me));
    if (!mine) return Fail(w.globals(), mine.error());
    if (U64(mine->at("balance")) >= points) {
      if (auto no = w.Confirm(F("Give {} points to {}", points, to_text))) {
        return Fail(w.globals(), *no);
      }
    }
  }
  return Submit(w, Transfer{*to, points, memo}, F("Gave {} points to {}", points, to_text));
}

struct ReportArgs {
  std::string by = "category", from, to, period = "month", at;
  bool csv = false, bom = false;
  unsigned limit = 10;
};

int ReportHours(Wallet& w, const ReportArgs& a) {
  std::string target = "/v1/reports/hours?by=" + UrlEncode(a.by);
  if (!a.from.empty()) target += "&from=" + UrlEncode(a.from);
  if (!a.to.empty()) target += "&to=" + UrlEncode(a.to);
  auto r = w.Get(target);
  if (!r) return Fail(w.globals(), r.error());
  Table table(
      {GroupWord(a.by), T("hours"), T("minutes"), T("points"), T("volunteers"), T("entries")});
  std::uint64_t total = 0;
  for (const auto& row : r->at("rows").as_array()) {
    total += U64(row.at("minutes"));
    table.Add({Str(row.at("group")), Hours(U64(row.at("minutes"))),
               std::to_string(U64(row.at("minutes"))), std::to_string(U64(row.at("points"))),
               std::to_string(U64(row.at("volunteers"))), std::to_string(U64(row.at("entries")))});
  }
  if (a.csv) return Done(w.globals(), *r, table.Csv(a.bom));
  std::string range =
      a.from.empty() && a.to.empty()
          ? T("all time")
          : F("{} to {}", a.from.empty() ? T("start") : a.from, a.to.empty() ? T("today") : a.to);
  std::string text = F("Service hours by {} ({})\n", GroupWord(a.by), range);
  if (table.empty()) {
    text += T("No credited service in this period.\n");
  } else if (a.by == "team") {
    text += table.Render() + T("(a member in several teams counts in each)\n");
  } else {
    text += table.Render() + F("Total: {}\n", Hours(total));
  }
  return Done(w.globals(), *r, text);
}

int ReportLeaderboard(Wallet& w, const ReportArgs& a) {
  std::string target = "/v1/reports/leaderboard?period=" + UrlEncode(a.period) +
                       "&limit=" + std::to_string(a.limit);
  if (!a.at.empty()) target += "&at=" + UrlEncode(a.at);
  auto r = w.Get(target);
  if (!r) return Fail(w.globals(), r.error());
  Table table({T("rank"), T("volunteer"), T("hours"), T("points")});
  for (const auto& row : r->at("rows").as_array()) {
    table.Add({std::to_string(U64(row.at("rank"))), NameOr(row.at("name"), Str(row.at("account"))),
               Hours(U64(row.at("minutes"))), std::to_string(U64(row.at("points")))});
  }
  if (a.csv) return Done(w.globals(), *r, table.Csv(a.bom));
  std::string text = F("Leaderboard {}\n", Str(r->at("label")));
  text += table.empty() ? T("No credited service in this period.\n") : table.Render();
  return Done(w.globals(), *r, text);
}

int ReverseCmd(Wallet& w, const std::string& id_text, const std::string& reason,
               const std::string& volunteer) {
  auto id = w.ResolveId(id_text);
  if (!id) return Fail(w.globals(), id.error());
  auto target = w.Get("/v1/entries/" + ToHex(*id));
  if (!target) return Fail(w.globals(), target.error());
  Reversal r{*id, std::nullopt, reason};
  if (!volunteer.empty()) {
    auto key = w.ResolveKey(volunteer);
    if (!key) return Fail(w.globals(), key.error());
    r.volunteer = *key;
  }
  if (auto no = w.Confirm(
          volunteer.empty()
              ? F("Reverse {} {} by {}", KindWord(Str(target->at("kind"))), Short(ToHex(*id)),
                  NameOr(target->at("author_name"), Str(target->at("author"))))
              : F("Reverse {} {} by {}, for {}", KindWord(Str(target->at("kind"))),
                  Short(ToHex(*id)), NameOr(target->at("author_name"), Str(target->at("author"))),
                  volunteer))) {
    return Fail(w.globals(), *no);
  }
  return Submit(w, std::move(r),
                F("Reversed {} {}", KindWord(Str(target->at("kind"))), Short(ToHex(*id))));
}

int RecoverCmd(Wallet& w, const std::string& old_text, const std::string& new_text) {
  auto old_key = w.ResolveKey(old_text);
  if (!old_key) return Fail(w.globals(), old_key.error());
  auto new_key = FixedFromHex<PublicKey>(new_text);
  if (!new_key) return Fail(w.globals(), {"usage", T("NEWKEY must be 64 hex digits")});
  auto account = w.Get("/v1/accounts/" + ToHex(*old_key));
  if (!account) return Fail(w.globals(), account.error());
  // The lost key's entries so far keep counting; anything it signs later is fenced.
  std::uint64_t boundary = U64(account->at("key_head_seq"));
  if (auto no = w.Confirm(F("Move the account of {} to the key {}; its key {} signs "
                            "nothing that counts after its entry {}",
                            NameOr(account->at("name"), ToHex(*old_key)), Short(new_text),
                            Short(ToHex(*old_key)), boundary))) {
    return Fail(w.globals(), *no);
  }
  return Submit(w, Recover{*old_key, *new_key, boundary},
                F("Moved the account of {} to key {} (the old key is fenced after its entry {})",
                  NameOr(account->at("name"), ToHex(*old_key)), Short(new_text), boundary));
}

int StatusCmd(Wallet& w) {
  auto s = w.Status();
  if (!s) return Fail(w.globals(), s.error());
  auto zone = w.ZoneLabel();
  return Done(
      w.globals(), *s,
      F("{} · {} entries ({} pending) · {} accounts · {} gifts\n", Str(s->at("community")),
        U64(s->at("entries")), U64(s->at("pending")), U64(s->at("accounts")), U64(s->at("items"))) +
          Field(T("network"), Str(s->at("network"))) +
          Field(T("time zone"), zone ? *zone : std::string()) +
          Field(T("state hash"), Str(s->at("state_hash"))));
}

// A command line the wallet cannot take: one line on stderr saying which word is wrong
// and what was meant (and JSON on stdout under --json), exit 2.
int UsageError(const std::vector<std::string>& args, const std::string& message) {
  Globals g;
  g.json =
      std::find(args.begin(), std::find(args.begin(), args.end(), "--"), "--json") != args.end();
  return Fail(g, {"usage", message});
}

// lovebank help [COMMAND...]: the help of the command named, as --help prints it.
// The date on the manual page: the month of this version, kept fixed so that the page
// is the same wherever it is generated.
constexpr const char* kManualDate = "2026-12";

int HelpCmd(const CLI::App& app, const std::vector<std::string>& args,
            const std::vector<std::string>& topic) {
  const CLI::App* cmd = &app;
  for (const auto& word : topic) {
    const CLI::App* next = cli::FindCommand(*cmd, word);
    if (next == nullptr) {
      // Explained as if the topic had been typed as a command line.
      auto message = cli::ExplainMisstep(app, topic, "lovebank help");
      if (message) return UsageError(args, *message);
      return UsageError(args, F("`{}` has no commands; see `{}`", cli::CommandPath(cmd),
                                cli::HelpFor(*cmd, "lovebank help")));
    }
    cmd = next;
  }
  // The formatter directly: App::help would show the `help` command itself, the one
  // selected.
  std::cout << cmd->get_formatter()->make_help(cmd, cli::CommandPath(cmd),
                                               CLI::AppFormatMode::Normal);
  return kOk;
}

std::string DefaultKeystore() {
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.lovebank/keystore";
}

}  // namespace

int main(int argc, char** argv) {
  crypto::InitCrypto();
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  i18n::SetProcessLang(cli::ChooseLanguage(args));
  CLI::App app{T("lovebank: the wallet of the Lovebank time bank"), "lovebank"};
  cli::TranslateHelp(app);
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("lovebank ") + LOVEBANK_VERSION,
                       T("print the version and exit"));
  Globals g;
  std::string lang_option;
  app.add_option("--lang", lang_option, T("language: zh-CN or en (default: from LANG)"))
      ->check(CLI::IsMember({"zh", "zh-CN", "zh_CN", "en"}));
  const char* env_node = std::getenv("LOVEBANK_NODE");
  const char* env_keystore = std::getenv("LOVEBANK_KEYSTORE");
  g.node_url = env_node ? env_node : "http://127.0.0.1:7700";
  g.keystore = env_keystore ? env_keystore : DefaultKeystore();
  app.add_option("--node", g.node_url, T("node API URL (env LOVEBANK_NODE)"))
      ->capture_default_str();
  app.add_option("--keystore", g.keystore, T("keystore file (env LOVEBANK_KEYSTORE)"))
      ->capture_default_str();
  app.add_option("--passphrase-file", g.passphrase_file,
                 T("read the passphrase from this file (or set LOVEBANK_PASSPHRASE)"));
  app.add_flag("--json", g.json, T("print JSON for scripts (docs/cli.md)"));
  app.add_flag("--yes,-y", g.yes,
               T("answer yes to the questions before reverse, recover and large transfers"));
  app.fallthrough();

  std::function<int(Wallet&)> action;
  auto on = [&](CLI::App* cmd, std::function<int(Wallet&)> f) {
    cmd->callback([&action, f] { action = f; });
  };

  auto* key = app.add_subcommand("key", T("your key: create, show, back up, restore, resync"))
                  ->require_subcommand(1);
  std::string backup_out, restore_from, new_passphrase_file;
  bool paper = false;
  auto* backup = key->add_subcommand("backup", T("copy your encrypted key to a file or to paper"));
  backup->add_option("--out", backup_out, T("the backup file to write (never over another)"));
  backup->add_flag("--paper", paper, T("also print it as a QR code and a line of text"));
  on(backup, [&](Wallet& w) {
    if (backup_out.empty() && !paper) {
      return Fail(w.globals(), {"usage", T("say where: --out FILE, --paper, or both")});
    }
    return KeyBackup(w, backup_out, paper);
  });
  auto* restore =
      key->add_subcommand("restore", T("make a keystore from a backup file or paper line"));
  restore->add_option("FROM", restore_from, T("the backup file, or the lbks1: line"))->required();
  on(restore, [&](Wallet& w) { return KeyRestore(w, restore_from); });
  auto* change = key->add_subcommand("passphrase", T("change your keystore's passphrase"));
  change->add_option("--new-passphrase-file", new_passphrase_file,
                     T("read the new passphrase from this file (scripts)"));
  on(change, [&](Wallet& w) { return KeyPassphrase(w, new_passphrase_file); });
  on(key->add_subcommand("new", T("create a new key in an encrypted keystore")), KeyNew);
  on(key->add_subcommand("show", T("print your public key")), KeyShow);
  on(key->add_subcommand("resync",
                         T("continue your chain from the node's copy (after restoring a backup)")),
     KeyResync);

  auto* agent = app.add_subcommand("agent", T("sign a burst of entries with one passphrase"))
                    ->require_subcommand(1);
  std::string agent_for = "30m";
  auto* agent_start = agent->add_subcommand(
      "start", T("ask for the passphrase once and keep the key unlocked for a while"));
  agent_start->add_option("--for", agent_for, T("how long: 90s, 15m, 2h (at most 12h)"))
      ->capture_default_str();
  on(agent_start, [&](Wallet& w) { return AgentStart(w, agent_for); });
  on(agent->add_subcommand("status", T("whether an agent holds your key, and until when")),
     AgentStatus);
  on(agent->add_subcommand("stop", T("end the agent now: lock the key again")), AgentStop);

  auto* community = app.add_subcommand("community", T("found a community"))->require_subcommand(1);
  FoundArgs found;
  auto* found_cmd = community->add_subcommand(
      "found", T("write a genesis entry and network key for a new community; you are its admin"));
  found_cmd->add_option("--name", found.name, T("the community's name"))->required();
  found_cmd
      ->add_option("--category", found.categories,
                   T("activity category NAME=POINTS_PER_HOUR (repeatable)"))
      ->required();
  found_cmd->add_option("--deadline", found.deadlines,
                        T("how soon a category's help requests are to be taken and done, "
                          "CATEGORY:URGENCY=TAKE/RESOLVE, e.g. care:emergency=30m/2h "
                          "(repeatable; default: emergency 1h/2h, normal 12h/24h, complex 2d/7d)"));
  found_cmd
      ->add_option("--max-minutes-per-entry", found.max_per_entry, T("cap per entry (0: none)"))
      ->check(kWholeNumber);
  found_cmd->add_option("--max-minutes-per-day", found.max_per_day, T("cap per day (0: none)"))
      ->check(kWholeNumber);
  auto* offset_option =
      found_cmd->add_option("--utc-offset-minutes", found.utc_offset,
                            T("the community's local time offset, e.g. 480 for UTC+8"));
  found_cmd->add_option(
      "--time-zone", found.time_zone,
      T("the community's time zone by name, e.g. Asia/Shanghai (sets the offset too)"));
  found_cmd
      ->add_option("--service-window-days", found.window_days,
                   T("how many days back a service may be recorded or claimed (default 90)"))
      ->check(kWholeNumber);
  found_cmd->add_option("--out", found.out, T("directory for genesis.entry and network.key"))
      ->required();
  on(found_cmd, [&](Wallet& w) {
    found.offset_given = offset_option->count() > 0;
    return CommunityFound(w, found);
  });

  auto* member =
      app.add_subcommand("member", T("members: enrol, update, list, show"))->require_subcommand(1);
  EnrolArgs enrol;
  auto* enrol_cmd = member->add_subcommand("enrol", T("enrol a member (admin or coordinator)"));
  enrol_cmd->alias("enroll");
  enrol_cmd->add_option("KEY", enrol.key, T("the member's key"))->required();
  enrol_cmd->add_option("--name", enrol.name, T("their name"))->required();
  enrol_cmd->add_option("--grid", enrol.grid, T("their grid or compound"));
  enrol_cmd->add_option("--building", enrol.building, T("their building"));
  enrol_cmd->add_option("--team", enrol.teams, T("a volunteer team (repeatable)"));
  on(enrol_cmd, [&](Wallet& w) { return MemberEnrol(w, enrol); });
  UpdateArgs update;
  auto* update_cmd = member->add_subcommand(
      "update", T("change a member's profile; fields not given stay (admin or coordinator)"));
  update_cmd->add_option("KEY", update.key, T("the member's key or name"))->required();
  update_cmd->add_option("--name", update.name, T("their name"));
  update_cmd->add_option("--grid", update.grid, T("their grid or compound"));
  update_cmd->add_option("--building", update.building, T("their building"));
  update_cmd->add_option("--team", update.teams, T("their teams, all of them (repeatable)"));
  on(update_cmd, [&](Wallet& w) { return MemberUpdate(w, update); });
  bool wide = false;
  auto* member_list =
      member->add_subcommand("list", T("list members with roles, hours and points"));
  member_list->add_flag("--wide", wide, T("whole keys instead of their first 12 digits"));
  on(member_list, [&](Wallet& w) { return MemberList(w, wide); });
  std::string shown;
  auto* member_show =
      member->add_subcommand("show", T("one member's profile, roles, keys, hours and points"));
  member_show->add_option("KEY", shown, T("the member's key or name"))->required();
  on(member_show, [&](Wallet& w) { return MemberShow(w, shown); });

  std::string subject, role_name, node_key, label;
  auto* role =
      app.add_subcommand("role", T("roles: grant, revoke (admin), list"))->require_subcommand(1);
  for (bool grant : {true, false}) {
    auto* cmd = role->add_subcommand(grant ? "grant" : "revoke",
                                     grant ? T("grant a role") : T("revoke a role"));
    cmd->add_option("KEY", subject, T("the member's key or name"))->required();
    cmd->add_option("ROLE", role_name, T("admin, coordinator, station or auditor"))->required();
    on(cmd, [&, grant](Wallet& w) { return RoleAct(w, grant, subject, role_name); });
  }
  std::string listed_role;
  auto* role_list = role->add_subcommand("list", T("who holds which role"));
  role_list->add_option("ROLE", listed_role, T("only this role"));
  role_list->add_flag("--wide", wide, T("whole keys"));
  on(role_list, [&](Wallet& w) { return RoleList(w, listed_role, wide); });
  auto* node =
      app.add_subcommand("node", T("nodes: grant, revoke (admin), list"))->require_subcommand(1);
  for (bool grant : {true, false}) {
    auto* cmd = node->add_subcommand(grant ? "grant" : "revoke",
                                     grant ? T("admit a node key") : T("remove a node key"));
    cmd->add_option("NODEKEY", node_key, T("the node's key (lovebank-node id)"))->required();
    cmd->add_option("--label", label, T("what the node is, e.g. 'grid 3 station'"));
    on(cmd, [&, grant](Wallet& w) { return NodeAct(w, grant, node_key, label); });
  }
  auto* node_list = node->add_subcommand("list", T("the nodes admitted to the community"));
  node_list->add_flag("--wide", wide, T("whole keys"));
  on(node_list, [&](Wallet& w) { return NodeList(w, wide); });

  auto* service = app.add_subcommand("service", T("service hours"))->require_subcommand(1);
  ServiceArgs sa;
  auto* record =
      service->add_subcommand("record", T("record service for volunteers (coordinator)"));
  record->add_option("--activity", sa.activity, T("what was done"))->required();
  record->add_option("--category", sa.category, T("activity category"))->required();
  record->add_option("--minutes", sa.minutes, T("minutes of service"))
      ->required()
      ->check(kWholeNumber);
  record->add_option("--volunteer", sa.volunteers, T("a volunteer's key or name (repeatable)"))
      ->required();
  record->add_option("--start", sa.start, T("when it started, e.g. 2026-11-23T14:00 (local)"));
  on(record, [&](Wallet& w) { return ServiceRecordCmd(w, sa); });
  auto* claim = service->add_subcommand("claim", T("claim your own service hours"));
  claim->add_option("--activity", sa.activity, T("what you did"))->required();
  claim->add_option("--category", sa.category, T("activity category"))->required();
  claim->add_option("--minutes", sa.minutes, T("minutes of service"))
      ->required()
      ->check(kWholeNumber);
  claim->add_option("--start", sa.start, T("when it started, e.g. 14:00 (local)"));
  claim->add_option("--helped", sa.beneficiary, T("the resident you helped (they may confirm)"));
  on(claim, [&](Wallet& w) { return ServiceClaimCmd(w, sa); });
  std::string claim_id, reason;
  auto* confirm = service->add_subcommand("confirm", T("confirm a claim (coordinator or helped)"));
  confirm->add_option("ID", claim_id, T("the claim's id (its first 8 or more digits will do)"))
      ->required();
  confirm->add_option("--reason", reason, T("a note"));
  on(confirm, [&](Wallet& w) { return ServiceVerdict(w, true, claim_id, reason); });
  auto* reject = service->add_subcommand("reject", T("reject a claim (coordinator or helped)"));
  reject->add_option("ID", claim_id, T("the claim's id (its first 8 or more digits will do)"))
      ->required();
  reject->add_option("--reason", reason, T("why"))->required();
  on(reject, [&](Wallet& w) { return ServiceVerdict(w, false, claim_id, reason); });
  bool pending_all = false;
  unsigned pending_limit = 100;
  auto* pending = service->add_subcommand(
      "pending", T("the claims waiting for you to confirm or reject (steward, resident helped)"));
  pending->add_flag("--all", pending_all,
                    T("every claim that waits, not only those you may judge"));
  pending->add_option("--limit", pending_limit, T("how many claims (1-1000)"))
      ->capture_default_str()
      ->check(kWholeNumber);
  on(pending, [&](Wallet& w) { return ServicePending(w, pending_all, pending_limit); });

  auto* request = app.add_subcommand("request", T("help requests: open, take, resolve, confirm"))
                      ->require_subcommand(1);
  RequestOpenArgs ro;
  auto* ropen = request->add_subcommand(
      "open", T("ask for help, for yourself or (steward) for a resident; prints the request id"));
  ropen->add_option("--category", ro.category, T("activity category"))->required();
  ropen->add_option("--title", ro.title, T("what is needed, in a few words"))->required();
  ropen->add_option("--for", ro.resident, T("the resident helped (steward; default: yourself)"));
  ropen->add_option("--building", ro.building,
                    T("building (default: from the resident's profile)"));
  ropen->add_option("--grid", ro.grid, T("grid (default: from the resident's profile)"));
  ropen->add_option("--urgency", ro.urgency, T("emergency, normal or complex"))
      ->capture_default_str();
  ropen->add_option("--volunteers", ro.volunteers, T("how many volunteers are wanted (1-20)"))
      ->capture_default_str()
      ->check(kWholeNumber);
  ropen->add_option("--channel", ro.channel,
                    T("how it came in: phone, visit, app or in-person (default: phone with "
                      "--for, else app)"));
  on(ropen, [&](Wallet& w) { return RequestOpenCmd(w, ro); });
  RequestListArgs rl;
  auto* rlist = request->add_subcommand("list", T("help requests, oldest first"));
  rlist->add_flag("--open", rl.open, T("only open requests"));
  rlist->add_flag("--overdue", rl.overdue, T("only open requests past their deadline"));
  rlist->add_flag("--mine", rl.mine, T("only those you opened, asked for or took"));
  rlist->add_option("--grid", rl.grid, T("only this grid"));
  rlist->add_option("--building", rl.building, T("only this building"));
  rlist->add_option("--limit", rl.limit, T("how many requests (1-1000)"))
      ->capture_default_str()
      ->check(kWholeNumber);
  rlist->add_option("--at", rl.at,
                    T("judge overdue as of this local time, e.g. 2026-11-30T18:00 (default: now)"));
  rlist->add_flag("--wide", rl.wide, T("whole ids"));
  on(rlist, [&](Wallet& w) { return RequestList(w, rl); });
  std::string request_id, request_text, request_start;
  std::uint32_t request_minutes = 0, rating = 0;
  auto* rshow = request->add_subcommand("show", T("the whole story of a request"));
  rshow->add_option("ID", request_id, T("the request's id (its first 8 or more digits will do)"))
      ->required();
  on(rshow, [&](Wallet& w) { return RequestShow(w, request_id); });
  auto* rtake =
      request->add_subcommand("take", T("take a request (接单), up to the places asked for"));
  rtake->add_option("ID", request_id, T("the request's id"))->required();
  on(rtake, [&](Wallet& w) { return RequestTakeCmd(w, request_id); });
  auto* rresolve =
      request->add_subcommand("resolve", T("say what you did on a request you took, and how long"));
  rresolve->add_option("ID", request_id, T("the request's id"))->required();
  rresolve->add_option("--minutes", request_minutes, T("minutes of service"))
      ->required()
      ->check(kWholeNumber);
  rresolve->add_option("--start", request_start, T("when it started, e.g. 14:00 (local)"));
  rresolve->add_option("--note", request_text, T("what was done"));
  on(rresolve, [&](Wallet& w) {
    return RequestResolveCmd(w, request_id, request_minutes, request_start, request_text);
  });
  auto* rconfirm = request->add_subcommand(
      "confirm",
      T("confirm the work was done (the resident, or a steward for a phoned-in request)"));
  rconfirm->add_option("ID", request_id, T("the request's id"))->required();
  rconfirm->add_option("--rating", rating, T("how satisfied, 1 to 5"))
      ->required()
      ->check(CLI::Range(1, 5));
  rconfirm->add_option("--comment", request_text, T("a note"));
  on(rconfirm, [&](Wallet& w) { return RequestConfirmCmd(w, request_id, rating, request_text); });
  auto* rreopen = request->add_subcommand("reopen", T("open a request again (not done after all)"));
  rreopen->add_option("ID", request_id, T("the request's id"))->required();
  rreopen->add_option("--reason", request_text, T("why"))->required();
  on(rreopen, [&](Wallet& w) { return RequestReopenCmd(w, request_id, request_text); });
  auto* rclose = request->add_subcommand("close", T("end a request (opener, resident or steward)"));
  rclose->add_option("ID", request_id, T("the request's id"))->required();
  rclose
      ->add_option("--reason", request_text,
                   T("fixed, duplicate, referred, not-ours, cancelled or unable"))
      ->required();
  on(rclose, [&](Wallet& w) { return RequestCloseCmd(w, request_id, request_text); });
  std::string level;
  auto* rescalate = request->add_subcommand(
      "escalate", T("report a request up to the grid, community or street"));
  rescalate->add_option("ID", request_id, T("the request's id"))->required();
  rescalate->add_option("--to", level, T("grid, community or street"))->required();
  rescalate->add_option("--reason", request_text, T("why"))->required();
  on(rescalate, [&](Wallet& w) { return RequestEscalateCmd(w, request_id, level, request_text); });

  std::string who;
  auto* balance = app.add_subcommand("balance", T("points and hours of an account"));
  balance->add_option("KEY", who, T("key or name (default: yours)"));
  on(balance, [&](Wallet& w) { return Balance(w, who); });
  HistoryArgs ha;
  auto* history = app.add_subcommand("history", T("recent entries of an account, newest first"));
  history->add_option("KEY", ha.key, T("key or name (default: yours)"));
  history->add_option("--limit", ha.limit, T("how many entries (1-1000)"))
      ->capture_default_str()
      ->check(kWholeNumber);
  history->add_option("--from", ha.from, T("first day, YYYY-MM-DD (community time)"));
  history->add_option("--to", ha.to, T("last day, YYYY-MM-DD (included)"));
  history->add_flag("--csv", ha.csv, T("print CSV (whole ids, times with their UTC offset)"));
  history->add_flag("--bom", ha.bom, T("begin the CSV with a byte-order mark (Excel)"));
  on(history, [&](Wallet& w) { return History(w, ha); });
  StatementArgs stmt;
  auto* statement = app.add_subcommand(
      "statement", T("a month of an account: opening and closing balance, service, gifts"));
  statement->add_option("KEY", stmt.key, T("key or name (default: yours)"));
  statement->add_option("--month", stmt.month, T("the month, YYYY-MM (default: this month)"));
  statement->add_flag("--csv", stmt.csv, T("print the month's entries as CSV"));
  statement->add_flag("--bom", stmt.bom, T("begin the CSV with a byte-order mark (Excel)"));
  on(statement, [&](Wallet& w) { return Statement(w, stmt); });

  std::string to, memo;
  std::uint64_t points = 0;
  auto* transfer = app.add_subcommand("transfer", T("give points to another member"));
  transfer->add_option("KEY", to, T("the recipient's key or name"))->required();
  transfer->add_option("POINTS", points, T("how many points"))->required()->check(kWholeNumber);
  transfer->add_option("--memo", memo, T("a note"));
  on(transfer, [&](Wallet& w) { return TransferCmd(w, to, points, memo); });

  auto* catalog = app.add_subcommand("catalog", T("the gift catalogue"))->require_subcommand(1);
  catalog->alias("catalogue");
  std::string item;
  std::uint64_t price = 0, stock = 0;
  auto* add = catalog->add_subcommand("add", T("list a gift (station)"));
  add->add_option("--item", item, T("the gift's name"))->required();
  add->add_option("--price", price, T("price in points"))->required()->check(kWholeNumber);
  add->add_option("--stock", stock, T("how many are on the shelf"))
      ->required()
      ->check(kWholeNumber);
  on(add, [&](Wallet& w) { return CatalogAdd(w, item, price, stock); });
  auto* restock = catalog->add_subcommand("restock", T("add stock to a gift (station)"));
  restock->add_option("ITEM", item, T("the gift's name or id"))->required();
  restock->add_option("N", stock, T("how many more"))->required()->check(kWholeNumber);
  on(restock, [&](Wallet& w) { return CatalogRestock(w, item, stock); });
  std::string withdraw_reason;
  auto* remove = catalog->add_subcommand(
      "remove", T("take a gift out of the catalogue (station); its vouchers still count"));
  remove->alias("withdraw");
  remove->add_option("ITEM", item, T("the gift's name or id"))->required();
  remove->add_option("--reason", withdraw_reason, T("why, for the record"));
  on(remove, [&](Wallet& w) { return CatalogRemove(w, item, withdraw_reason); });
  bool all_items = false;
  auto* list_items = catalog->add_subcommand("list", T("list gifts with prices and stock"));
  list_items->add_flag("--all", all_items, T("withdrawn gifts too"));
  on(list_items, [&](Wallet& w) { return CatalogList(w, all_items); });

  RedeemArgs ra_voucher;
  auto* redeem = app.add_subcommand("redeem", T("spend points on a gift: prints a voucher"));
  redeem->add_option("ITEM", ra_voucher.item, T("the gift's name or id"))->required();
  redeem->add_option("--station", ra_voucher.station,
                     T("the station's key or name (default: the lister)"));
  redeem->add_option("--out", ra_voucher.out, T("also save the voucher to this file"));
  redeem->add_option("--png", ra_voucher.png,
                     T("also save its QR code as a PNG image (to show on a phone or print)"));
  redeem->add_option("--html", ra_voucher.html, T("also save a voucher page to print"));
  redeem->add_flag("--no-qr", ra_voucher.no_qr, T("do not draw the QR code"));
  on(redeem, [&](Wallet& w) { return RedeemCmd(w, ra_voucher); });
  std::string voucher;
  auto* fulfil =
      app.add_subcommand("fulfil", T("accept a voucher and hand over the gift (station)"));
  fulfil->alias("fulfill");
  fulfil->add_option("VOUCHER", voucher, T("the voucher text (lbv1:...) or a file holding it"))
      ->required();
  on(fulfil, [&](Wallet& w) { return FulfilCmd(w, voucher); });

  auto* report = app.add_subcommand("report", T("reports of service hours and help requests"))
                     ->require_subcommand(1);
  ReportArgs ra;
  auto* hours = report->add_subcommand("hours", T("hours grouped by team, grid, building, ..."));
  hours->add_option("--by", ra.by, T("team, grid, building, category or month"))
      ->check(CLI::IsMember({"team", "grid", "building", "category", "month"}))
      ->required();
  hours->add_option("--from", ra.from, T("first day, e.g. 2026-11-01"));
  hours->add_option("--to", ra.to, T("last day, e.g. 2026-11-30"));
  hours->add_flag("--csv", ra.csv, T("print CSV"));
  hours->add_flag("--bom", ra.bom, T("begin the CSV with a byte-order mark (Excel)"));
  on(hours, [&](Wallet& w) { return ReportHours(w, ra); });
  auto* leaders = report->add_subcommand("leaderboard", T("volunteers with the most hours"));
  leaders->add_option("--period", ra.period, T("month or year"))
      ->check(CLI::IsMember({"month", "year"}));
  leaders->add_option("--at", ra.at, T("a day in the period (default: today)"));
  leaders->add_option("--limit", ra.limit, T("how many rows"))->check(kWholeNumber);
  leaders->add_flag("--csv", ra.csv, T("print CSV"));
  leaders->add_flag("--bom", ra.bom, T("begin the CSV with a byte-order mark (Excel)"));
  on(leaders, [&](Wallet& w) { return ReportLeaderboard(w, ra); });
  RequestReportArgs rr;
  auto* rreport = report->add_subcommand(
      "requests", T("help requests: taken and done in time, time to take and to do, ratings"));
  rreport->add_option("--by", rr.by, T("grid, building, category or month"))
      ->check(CLI::IsMember({"grid", "building", "category", "month"}))
      ->capture_default_str();
  rreport->add_option("--from", rr.from, T("first day, e.g. 2026-11-01"));
  rreport->add_option("--to", rr.to, T("last day, e.g. 2026-11-30"));
  rreport->add_flag("--csv", rr.csv, T("print CSV"));
  rreport->add_flag("--bom", rr.bom, T("begin the CSV with a byte-order mark (Excel)"));
  on(rreport, [&](Wallet& w) { return RequestReport(w, rr); });

  std::string entry_id, old_key, new_key, volunteer;
  auto* reverse = app.add_subcommand("reverse", T("reverse a fraudulent credit (admin)"));
  reverse
      ->add_option("ID", entry_id, T("the entry to reverse (its first 8 or more digits will do)"))
      ->required();
  reverse->add_option("--reason", reason, T("why"))->required();
  reverse->add_option("--volunteer", volunteer, T("only this volunteer's part of a record"));
  on(reverse, [&](Wallet& w) { return ReverseCmd(w, entry_id, reason, volunteer); });
  auto* recover =
      app.add_subcommand("recover", T("move a lost key's account to a new key (admin)"));
  recover->add_option("OLDKEY", old_key, T("the lost key (or the member's name)"))->required();
  recover->add_option("NEWKEY", new_key, T("the member's new key"))->required();
  on(recover, [&](Wallet& w) { return RecoverCmd(w, old_key, new_key); });

  on(app.add_subcommand("status", T("the node's community, counts and state hash")), StatusCmd);

  auto* export_cmd = app.add_subcommand(
      "export", T("write the node's whole ledger to a portable file (docs/export-format.md)"));
  std::string export_out;
  export_cmd->add_option("--out", export_out, T("the file to write (never overwritten)"))
      ->required();
  on(export_cmd, [&export_out](Wallet& w) { return ExportCmd(w, export_out); });

  auto* audit = app.add_subcommand(
      "audit", T("verify every entry and rule of a ledger and recompute all balances "
                 "(auditors; docs/audit.md)"));
  AuditArgs audit_args;
  audit->add_option("--file", audit_args.file,
                    T("audit this export file offline instead of the node at --node"));
  audit->add_option("--since-checkpoint", audit_args.since_checkpoint,
                    T("prove the ledger extends this checkpoint entry and show what changed"));
  audit->add_flag("--sign", audit_args.sign,
                  T("if it verifies, sign an audit checkpoint with your auditor key"));
  audit->add_option("--threads", audit_args.threads, T("signature threads (default: every core)"));
  on(audit, [&audit_args](Wallet& w) { return AuditCmd(w, audit_args); });

  auto* certificate =
      app.add_subcommand("certificate", T("certificates of service hours"))->require_subcommand(1);
  CertificateArgs cert_args;
  auto* issue = certificate->add_subcommand(
      "issue", T("sign a certificate of a volunteer's hours (coordinator or admin)"));
  issue->add_option("KEY", cert_args.volunteer, T("the volunteer (key or enrolled name)"))
      ->required();
  issue->add_option("--from", cert_args.from, T("first day covered, YYYY-MM-DD (default: all)"));
  issue->add_option("--to", cert_args.to, T("last day covered, YYYY-MM-DD (default: today)"));
  issue->add_option("--out", cert_args.out, T("the certificate file to write"))->required();
  issue->add_option("--html", cert_args.html,
                    T("also write a printable one-page HTML certificate"));
  on(issue, [&cert_args](Wallet& w) { return CertificateIssueCmd(w, cert_args); });
  auto* verify = certificate->add_subcommand(
      "verify", T("check a certificate, or the QR code of its page, and print what it proves"));
  CertificateVerifyArgs verify_args;
  verify->add_option("FILE", verify_args.file, T("the certificate file (checked offline)"));
  verify->add_option("--html", verify_args.html, T("also write the printable HTML certificate"));
  verify->add_option("--qr", verify_args.qr,
                     T("instead of a file: the text of the certificate page's QR code (lbc1:...)"));
  verify->add_flag("--offline", verify_args.offline,
                   T("with --qr: check only its signature, not against the node's ledger"));
  on(verify, [&verify_args](Wallet& w) { return CertificateVerifyCmd(w, verify_args); });

  auto* help = app.add_subcommand("help", T("show the help of lovebank or of one of its commands"));
  std::vector<std::string> help_topic;
  help->add_option("COMMAND", help_topic, T("a command, e.g. `service confirm`"));

  auto* completion = app.add_subcommand(
      "completion", T("print a shell completion script (bash or zsh) for lovebank"));
  std::string shell;
  completion->add_option("SHELL", shell, T("bash or zsh"))
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  auto* manual =
      app.add_subcommand("manual", T("print the manual page (man -l -), in the wallet's language"));

  cli::GroupCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A wrong command is named with what was meant; anything else is CLI11's sentence
    // and the help of the command it concerns.
    auto message = cli::ExplainMisstep(app, args, "lovebank help");
    if (message) return UsageError(args, *message);
    const CLI::App* reached = cli::FindMisstep(app, args).reached;
    return UsageError(args, F("{}. See `{}`.", cli::DescribeParseError(e),
                              cli::HelpFor(reached ? *reached : app, "lovebank help")));
  }
  if (*help) return HelpCmd(app, args, help_topic);
  if (*completion) {
    std::cout << (shell == "zsh" ? cli::ZshCompletion(app, "lovebank")
                                 : cli::BashCompletion(app, "lovebank"));
    return kOk;
  }
  if (*manual) {
    std::cout << cli::ManualPage(app, "lovebank", LOVEBANK_VERSION, kManualDate);
    return kOk;
  }
  Wallet wallet(g);
  try {
    return action(wallet);
  } catch (const std::exception& e) {
    // An answer of the wrong shape (a JSON field missing or of another type): from
    // something at --node that is not a lovebank-node of this version.
    std::cerr << "lovebank: "
              << F("the node at {} answered something this wallet does not understand ({}); "
                   "check that --node points at a lovebank-node of the same version",
                   g.node_url, e.what())
              << "\n";
    return kInternal;
  }
}
