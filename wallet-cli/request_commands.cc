#include "wallet-cli/request_commands.h"

#include <algorithm>
#include <boost/json.hpp>

#include "base/clock.h"
#include "base/hex.h"
#include "i18n/i18n.h"
#include "wallet-cli/command_kit.h"
#include "wallet-cli/output.h"

namespace lovebank::wallet {

using namespace lovebank::ledger;
using i18n::F;
using i18n::T;
namespace json = boost::json;

namespace {

std::string StateWord(const std::string& state) {
  if (state == "open") return T("open");
  if (state == "confirmed") return T("confirmed");
  if (state == "closed") return T("closed");
  return state;
}

std::string LevelWord(const std::string& level) {
  if (level == "building") return T("building");
  if (level == "grid") return T("grid");
  if (level == "community") return T("community");
  if (level == "street") return T("street office");
  return level;
}

// "3 h 20 min" for a span of milliseconds, rounded down to the minute.
std::string Span(std::uint64_t ms) { return Hours(ms / 60'000); }

// The request named by `id_text` (its id or the first 8 or more digits), as the node
// sees it now.
Outcome<json::object> FetchRequest(Wallet& w, const std::string& id_text) {
  auto id = w.ResolveId(id_text);
  if (!id) return id.error();
  auto r = w.Get("/v1/requests/" + ToHex(*id));
  if (!r) return r.error();
  return r->as_object();
}

std::string Who(const json::object& r, const char* key, const char* name) {
  return NameOr(r.at(name), Str(r.at(key)));
}

std::string Where(const json::object& r) {
  std::string where = Str(r.at("building"));
  if (!Str(r.at("grid")).empty()) where = Str(r.at("grid")) + (where.empty() ? "" : " " + where);
  return where;
}

// The state act names the state it follows: the request's current one, as this node
// knows it. If another act got there first, the node refuses it as stale.
Outcome<EntryId> StateOf(Wallet& w, const json::object& r) {
  return w.ParseId(Str(r.at("state_entry")));
}

}  // namespace

int RequestOpenCmd(Wallet& w, const RequestOpenArgs& a) {
  RequestOpen o;
  o.category = a.category;
  o.title = a.title;
  o.volunteers = a.volunteers;
  auto urgency = UrgencyFromName(a.urgency);
  if (!urgency) {
    return Fail(w.globals(), {"usage", T("--urgency is emergency, normal or complex")});
  }
  o.urgency = *urgency;
  if (a.volunteers < 1 || a.volunteers > kMaxRequestVolunteers) {
    return Fail(w.globals(), {"usage", F("--volunteers is from 1 to {}", kMaxRequestVolunteers)});
  }
  std::string channel = a.channel;
  if (channel.empty()) channel = a.resident.empty() ? "app" : "phone";
  auto ch = ChannelFromName(channel);
  if (!ch) {
    return Fail(w.globals(), {"usage", T("--channel is phone, visit, app or in-person")});
  }
  o.channel = *ch;
  auto me = w.MyKey();
  if (!me) return Fail(w.globals(), me.error());
  PublicKey resident = *me;
  if (!a.resident.empty()) {
    auto key = w.ResolveKey(a.resident);
    if (!key) return Fail(w.globals(), key.error());
    resident = *key;
    if (resident != *me) o.resident = resident;
  }
  // Where: as given, else where the resident's profile says they live.
  o.grid = a.grid;
  o.building = a.building;
  std::string name;
  if (auto account = w.Get("/v1/accounts/" + ToHex(resident))) {
    const auto& acc = account->as_object();
    name = NameOr(acc.at("name"), ToHex(resident));
    if (const auto* p = acc.if_contains("profile"); p && p->is_object()) {
      if (o.grid.empty()) o.grid = Str(p->as_object().at("grid"));
      if (o.building.empty()) o.building = Str(p->as_object().at("building"));
    }
  }
  auto answer = w.SignAndSubmit(o);
  if (!answer) return Fail(w.globals(), answer.error());
  const std::string id = Short(Str(answer->at("id")));
  std::string text = F("Opened request {}: {} for {} ({} {}), {} volunteer(s) wanted.\n", id,
                       o.title, name, o.grid, o.building, o.volunteers);
  // The deadlines are the community's for this category and urgency, as its node says.
  if (auto view = w.Get("/v1/requests/" + Str(answer->at("id")))) {
    const std::uint64_t opened = U64(view->at("opened_ms"));
    text += F("It should be taken within {} and done within {}.\n",
              Span(U64(view->at("take_by_ms")) - opened),
              Span(U64(view->at("resolve_by_ms")) - opened));
  }
  text += F("A volunteer takes it with: lovebank request take {}\n", id);
  return Done(w.globals(), *answer, text);
}

int RequestList(Wallet& w, const RequestListArgs& a) {
  std::string target = "/v1/requests?limit=" + std::to_string(a.limit);
  if (a.open || a.overdue) target += "&state=open";
  if (a.overdue) target += "&overdue=1";
  if (!a.at.empty()) {
    auto at = ParseStart(w, a.at, 0, "--at");
    if (!at) return Fail(w.globals(), at.error());
    target += "&at_ms=" + std::to_string(*at);
  }
  if (!a.grid.empty()) target += "&grid=" + UrlEncode(a.grid);
  if (!a.building.empty()) target += "&building=" + UrlEncode(a.building);
  if (a.mine) {
    auto me = w.MyKey();
    if (!me) return Fail(w.globals(), me.error());
    target += "&for=" + ToHex(*me);
  }
  auto offset = w.UtcOffset();
  if (!offset) return Fail(w.globals(), offset.error());
  auto r = w.Get(target);
  if (!r) return Fail(w.globals(), r.error());
  const auto& requests = r->at("requests").as_array();
  Table table({T("request"), T("what"), T("for"), T("where"), T("state"), T("taken by"),
               T("deadline"), T("overdue by")});
  for (const auto& v : requests) {
    const auto& o = v.as_object();
    std::string takers;
    for (const auto& t : o.at("takers").as_array()) {
      if (!takers.empty()) takers += ", ";
      takers += NameOr(t.at("name"), Str(t.at("key")));
    }
    const auto places = o.at("takers").as_array().size();
    if (takers.empty()) {
      takers = F("({}/{})", places, U64(o.at("volunteers_wanted")));
    } else {
      takers += F(" ({}/{})", places, U64(o.at("volunteers_wanted")));
    }
    const bool open = Str(o.at("state")) == "open";
    const std::uint64_t deadline = o.at("takers").as_array().empty() ? U64(o.at("take_by_ms"))
                                                                      : U64(o.at("resolve_by_ms"));
    std::string state = StateWord(Str(o.at("state")));
    if (!o.at("counts").as_bool()) state = T("does not count");
    if (Str(o.at("level")) != "building") state += " ↑" + LevelWord(Str(o.at("level")));
    table.Add({KeyCell(Str(o.at("id")), a.wide), Str(o.at("title")),
               Who(o, "resident", "resident_name"), Where(o), state, takers,
               open ? LocalTime(deadline, *offset) : "",
               U64(o.at("overdue_ms")) ? Span(U64(o.at("overdue_ms"))) : ""});
  }
  std::string text;
  if (requests.empty()) {
    text = a.overdue ? T("No request is overdue.\n") : T("No help requests.\n");
  } else {
    text = table.Render();
    if (U64(r->at("total")) > requests.size()) {
      text += F("({} of {} requests, oldest first; more with --limit)\n", requests.size(),
                U64(r->at("total")));
    }
  }
  return Done(w.globals(), *r, text);
}

int RequestShow(Wallet& w, const std::string& id_text) {
  auto r = FetchRequest(w, id_text);
  if (!r) return Fail(w.globals(), r.error());
  auto offset = w.UtcOffset();
  if (!offset) return Fail(w.globals(), offset.error());
  const json::object& o = *r;
  std::string text = F("{} ({})\n", Str(o.at("title")), Short(Str(o.at("id"))));
  text += Field(T("for"), Who(o, "resident", "resident_name"));
  text += Field(T("opened by"), Who(o, "opener", "opener_name"));
  text += Field(T("where"), Where(o));
  text += Field(T("category"), Str(o.at("category")));
  text += Field(T("urgency"), Str(o.at("urgency")));
  text += Field(T("state"), o.at("counts").as_bool() ? StateWord(Str(o.at("state")))
                                                     : T("does not count (see its findings)"));
  text += Field(T("level"), LevelWord(Str(o.at("level"))));
  text += Field(T("volunteers"), F("{} of {}", o.at("takers").as_array().size(),
                                   U64(o.at("volunteers_wanted"))));
  if (U64(o.at("overdue_ms"))) {
    text += Field(T("overdue by"), Span(U64(o.at("overdue_ms"))));
  }
  if (!o.at("rating").is_null()) {
    text += Field(T("rating"),
                  F("{}/5{}", U64(o.at("rating")),
                    o.at("confirmed_by_steward").as_bool() ? T(" (confirmed by the steward)") : ""));
  }
  Table acts({T("when"), T("who"), T("act"), T("note"), T("counts")});
  for (const auto& v : o.at("acts").as_array()) {
    const auto& e = v.as_object();
    const std::string kind = Str(e.at("kind"));
    std::string what = KindWord(kind), note;
    if (kind == "request_resolve") {
      what = F("{} ({})", what, Hours(U64(e.at("minutes"))));
      note = Str(e.at("note"));
    } else if (kind == "request_confirm") {
      what = F("{} ★{}", what, U64(e.at("rating")));
      note = Str(e.at("comment"));
    } else if (kind == "request_escalate") {
      what = F("{} → {}", what, LevelWord(Str(e.at("level"))));
      note = Str(e.at("reason"));
    } else if (kind == "request_reopen" || kind == "request_close") {
      note = Str(e.at("reason"));
    }
    std::string findings = DescribeFindings(e);
    std::string counts = findings.empty() ? T("yes") : findings;
    if (Str(e.at("status")) != "active") counts = StatusWord(Str(e.at("status")));
    if (kind == "request_resolve" && findings.empty()) {
      bool credited = false;
      for (const auto& c : o.at("credited").as_array()) credited = credited || c == e.at("id");
      counts = credited ? T("credited") : T("waits for confirmation");
    }
    acts.Add({LocalTime(U64(e.at("timestamp_ms")), *offset),
              NameOr(e.at("author_name"), Str(e.at("author"))), what, note, counts});
  }
  text += "\n" + acts.Render();
  return Done(w.globals(), o, text);
}

int RequestTakeCmd(Wallet& w, const std::string& id_text) {
  auto r = FetchRequest(w, id_text);
  if (!r) return Fail(w.globals(), r.error());
  auto id = w.ParseId(Str(r->at("id")));
  if (!id) return Fail(w.globals(), id.error());
  auto answer = w.SignAndSubmit(RequestTake{*id});
  if (!answer) return Fail(w.globals(), answer.error());
  const std::string shown = Short(Str(r->at("id")));
  return Done(w.globals(), *answer,
              F("You took request {}: {} for {} ({}).\n"
                "When it is done: lovebank request resolve {} --minutes N\n",
                shown, Str(r->at("title")), Who(*r, "resident", "resident_name"), Where(*r),
                shown));
}

int RequestResolveCmd(Wallet& w, const std::string& id_text, std::uint32_t minutes,
                      const std::string& start_text, const std::string& note) {
  auto r = FetchRequest(w, id_text);
  if (!r) return Fail(w.globals(), r.error());
  auto id = w.ParseId(Str(r->at("id")));
  if (!id) return Fail(w.globals(), id.error());
  auto start = ParseStart(w, start_text, minutes);
  if (!start) return Fail(w.globals(), start.error());
  auto answer = w.SignAndSubmit(RequestResolve{*id, *start, minutes, note});
  if (!answer) return Fail(w.globals(), answer.error());
  const bool steward = Str(r->at("channel")) == "phone" || Str(r->at("channel")) == "visit";
  return Done(w.globals(), *answer,
              F("Recorded {} on request {}: {}.\nIt is credited when {} confirms it{}.\n",
                Hours(minutes), Short(Str(r->at("id"))), Str(r->at("title")),
                Who(*r, "resident", "resident_name"),
                steward ? T(" (or a steward, for a request phoned in or made on a visit)") : ""));
}

int RequestConfirmCmd(Wallet& w, const std::string& id_text, std::uint32_t rating,
                      const std::string& comment) {
  if (rating < 1 || rating > 5) return Fail(w.globals(), {"usage", T("--rating is 1 to 5")});
  auto r = FetchRequest(w, id_text);
  if (!r) return Fail(w.globals(), r.error());
  auto id = w.ParseId(Str(r->at("id")));
  auto after = StateOf(w, *r);
  if (!id || !after) return Fail(w.globals(), (!id ? id.error() : after.error()));
  // Name every reported piece of work that is not credited yet and has nothing
  // against it: the confirmation credits exactly these.
  RequestConfirm c{*id, *after, {}, rating, comment};
  std::vector<std::string> lines;
  for (const auto& act : r->at("acts").as_array()) {
    const auto& e = act.as_object();
    if (Str(e.at("kind")) != "request_resolve" || Str(e.at("status")) != "active") continue;
    if (!e.at("findings").as_array().empty()) continue;
    bool credited = false;
    for (const auto& cr : r->at("credited").as_array()) credited = credited || cr == e.at("id");
    if (credited) continue;
    auto resolve = w.ParseId(Str(e.at("id")));
    if (!resolve) continue;
    c.resolves.push_back(*resolve);
    lines.push_back(F("  {}: {}", NameOr(e.at("author_name"), Str(e.at("author"))),
                      Hours(U64(e.at("minutes")))));
  }
  if (c.resolves.empty()) {
    return Fail(w.globals(),
                {"nothing_to_confirm",
                 T("no volunteer has reported work on this request that waits for confirmation; "
                   "see it with `lovebank request show`")});
  }
  if (c.resolves.size() > kMaxConfirmedResolves) c.resolves.resize(kMaxConfirmedResolves);
  std::sort(c.resolves.begin(), c.resolves.end());
  auto answer = w.SignAndSubmit(std::move(c));
  if (!answer) return Fail(w.globals(), answer.error());
  std::string text = F("Confirmed request {}: {} (rating {}/5). Credited:\n",
                       Short(Str(r->at("id"))), Str(r->at("title")), rating);
  for (const auto& line : lines) text += line + "\n";
  return Done(w.globals(), *answer, text);
}

int RequestReopenCmd(Wallet& w, const std::string& id_text, const std::string& reason) {
  auto r = FetchRequest(w, id_text);
  if (!r) return Fail(w.globals(), r.error());
  auto id = w.ParseId(Str(r->at("id")));
  auto after = StateOf(w, *r);
  if (!id || !after) return Fail(w.globals(), (!id ? id.error() : after.error()));
  return Submit(w, RequestReopen{*id, *after, reason},
                F("Reopened request {}: {}", Short(Str(r->at("id"))), Str(r->at("title"))));
}

int RequestCloseCmd(Wallet& w, const std::string& id_text, const std::string& reason) {
  auto reason_code = CloseReasonFromName(reason);
  if (!reason_code) {
    return Fail(w.globals(),
                {"usage",
                 T("--reason is fixed, duplicate, referred, not-ours, cancelled or unable")});
  }
  auto r = FetchRequest(w, id_text);
  if (!r) return Fail(w.globals(), r.error());
  auto id = w.ParseId(Str(r->at("id")));
  auto after = StateOf(w, *r);
  if (!id || !after) return Fail(w.globals(), (!id ? id.error() : after.error()));
  return Submit(w, RequestClose{*id, *after, *reason_code, reason},
                F("Closed request {} ({}): {}", Short(Str(r->at("id"))), reason,
                  Str(r->at("title"))));
}

int RequestEscalateCmd(Wallet& w, const std::string& id_text, const std::string& level,
                       const std::string& reason) {
  auto to = LevelFromName(level);
  if (!to || *to == Level::kBuilding) {
    return Fail(w.globals(), {"usage", T("--to is grid, community or street")});
  }
  auto r = FetchRequest(w, id_text);
  if (!r) return Fail(w.globals(), r.error());
  auto id = w.ParseId(Str(r->at("id")));
  if (!id) return Fail(w.globals(), id.error());
  return Submit(w, RequestEscalate{*id, *to, reason},
                F("Escalated request {} to the {}: {}", Short(Str(r->at("id"))), LevelWord(level),
                  Str(r->at("title"))));
}

int RequestReport(Wallet& w, const RequestReportArgs& a) {
  std::string target = "/v1/reports/requests?by=" + UrlEncode(a.by);
  if (!a.from.empty()) target += "&from=" + UrlEncode(a.from);
  if (!a.to.empty()) target += "&to=" + UrlEncode(a.to);
  auto r = w.Get(target);
  if (!r) return Fail(w.globals(), r.error());
  auto share = [](std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? std::string("-") : F("{}/{}", part, whole);
  };
  auto span = [](std::uint64_t ms, std::uint64_t n) {
    return n == 0 ? std::string("-") : Span(ms);
  };
  Table table({GroupWord(a.by), T("opened"), T("taken in time"), T("done in time"), T("confirmed"),
               T("by steward"), T("to take (mean)"), T("to take (p90)"), T("to do (mean)"),
               T("to do (p90)"), T("rating"), T("satisfied")});
  for (const auto& value : r->at("rows").as_array()) {
    const auto& row = value.as_object();
    const std::uint64_t taken = U64(row.at("taken")), resolved = U64(row.at("resolved"));
    const std::uint64_t rated = U64(row.at("rated"));
    table.Add({Str(row.at("group")), std::to_string(U64(row.at("opened"))),
               share(U64(row.at("taken_in_time")), U64(row.at("opened"))),
               share(U64(row.at("resolved_in_time")), U64(row.at("opened"))),
               std::to_string(U64(row.at("confirmed"))),
               std::to_string(U64(row.at("confirmed_by_steward"))),
               span(U64(row.at("take_mean_ms")), taken), span(U64(row.at("take_p90_ms")), taken),
               span(U64(row.at("resolve_mean_ms")), resolved),
               span(U64(row.at("resolve_p90_ms")), resolved),
               rated ? F("{:.1f}", row.at("mean_rating").to_number<double>()) : "-",
               rated ? F("{}%", (U64(row.at("satisfied")) * 100 + rated / 2) / rated) : "-"});
  }
  if (a.csv) return Done(w.globals(), *r, table.Csv(a.bom));
  std::string range =
      a.from.empty() && a.to.empty()
          ? T("all time")
          : F("{} to {}", a.from.empty() ? T("start") : a.from, a.to.empty() ? T("today") : a.to);
  std::string text = F("Help requests by {} ({})\n", GroupWord(a.by), range);
  if (table.empty()) {
    text += T("No help requests were opened in this period.\n");
  } else {
    text += table.Render() +
            T("(in time: of those opened, taken or done within the deadline of their urgency; "
              "satisfied: rated 4 or 5)\n");
  }
  return Done(w.globals(), *r, text);
}

}  // namespace lovebank::wallet
