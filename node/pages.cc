#include "node/pages.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <string_view>

#include "i18n/collate.h"
#include "node/page_kit.h"

// The stylesheet and the script, embedded at build time (node/CMakeLists.txt).
extern const unsigned char kLovebankSiteCss[];
extern const std::size_t kLovebankSiteCssSize;
extern const unsigned char kLovebankSiteJs[];
extern const std::size_t kLovebankSiteJsSize;

namespace lovebank::node {

namespace http = boost::beast::http;
namespace json = boost::json;
using i18n::Lang;
using i18n::Tr;
using i18n::TrF;
using namespace page;

namespace {

std::string KindWord(Lang lang, const std::string& kind) {
  if (kind == "service_record") return Tr(lang, "service record");
  if (kind == "service_claim") return Tr(lang, "service claim");
  if (kind == "service_confirm") return Tr(lang, "confirmation");
  if (kind == "service_reject") return Tr(lang, "rejection");
  if (kind == "transfer") return Tr(lang, "transfer");
  if (kind == "redeem") return Tr(lang, "redemption");
  if (kind == "fulfil") return Tr(lang, "fulfilment");
  if (kind == "enrol") return Tr(lang, "enrolment");
  if (kind == "role_grant") return Tr(lang, "role granted");
  if (kind == "request_open") return Tr(lang, "help request");
  if (kind == "request_take") return Tr(lang, "took the request");
  if (kind == "request_resolve") return Tr(lang, "did the work");
  if (kind == "request_confirm") return Tr(lang, "confirmed the request");
  if (kind == "request_reopen") return Tr(lang, "reopened the request");
  if (kind == "request_close") return Tr(lang, "closed the request");
  if (kind == "request_escalate") return Tr(lang, "escalated the request");
  return kind;
}

std::string UrgencyWord(Lang lang, const std::string& urgency) {
  if (urgency == "emergency") return Tr(lang, "emergency");
  if (urgency == "complex") return Tr(lang, "complex");
  return Tr(lang, "normal");
}

// Horizontal bars of `values` (label, value), for people who would rather look than
// read; the table beside it carries the same numbers in words.
std::string Bars(const std::string& label,
                 const std::vector<std::pair<std::string, double>>& values,
                 const std::function<std::string(double)>& caption) {
  if (values.empty()) return {};
  double max = 0;
  for (const auto& [name, v] : values) max = std::max(max, v);
  if (max <= 0) max = 1;
  constexpr int kRow = 36, kLabel = 260, kWidth = 900, kBar = kWidth - kLabel - 160;
  const int height = static_cast<int>(values.size()) * kRow + 8;
  std::string out =
      fmt::format("<svg class=\"bars\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">\n",
                  kWidth, height, HtmlEscape(label));
  int y = 4;
  for (const auto& [name, v] : values) {
    const int w = std::max(2, static_cast<int>(v / max * kBar));
    out += fmt::format(
        "<text x=\"0\" y=\"{}\">{}</text><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"24\"/>"
        "<text x=\"{}\" y=\"{}\">{}</text>\n",
        y + 19, HtmlEscape(name.size() > 60 ? name.substr(0, 60) : name), kLabel, y, w,
        kLabel + w + 8, y + 19, HtmlEscape(caption(v)));
    y += kRow;
  }
  out += "</svg>\n";
  return out;
}

// ---- the pages --------------------------------------------------------------------

HttpReply StartPage(const Frame& f, const ApiRead& api) {
  const Lang lang = f.lang;
  const json::value status = Ask(api, "/v1/status", lang).body;
  const std::int64_t now = Number(At(status, "time_ms"));
  auto board = Ask(api, "/v1/reports/leaderboard?period=month&limit=1000", lang);
  std::int64_t month_minutes = 0, month_points = 0, month_volunteers = 0;
  for (const auto& row : Array(At(board.body, "rows"))) {
    month_minutes += Number(At(row, "minutes"));
    month_points += Number(At(row, "points"));
    ++month_volunteers;
  }
  auto open = Ask(api, "/v1/requests?state=open&limit=1", lang);
  auto overdue = Ask(api, "/v1/requests?state=open&overdue=1&limit=1", lang);
  auto claims = Ask(api, "/v1/claims?limit=1", lang);

  auto figure = [](const std::string& key, const std::string& value_html, std::int64_t value,
                   const std::string& label) {
    return fmt::format(
        "<li data-key=\"{}\" data-value=\"{}\"><span class=\"value\">{}</span>"
        "<span class=\"label\">{}</span></li>\n",
        key, value, value_html, HtmlEscape(label));
  };
  std::string content = fmt::format(
      "<p>{}</p>\n", HtmlEscape(TrF(lang, "This node keeps the ledger of {}. It is {} now.",
                                    f.community, LocalTime(now, f.utc_offset_minutes))));
  content += fmt::format("<h2>{}</h2>\n<ul class=\"figures\" data-table=\"month\">\n",
                         HtmlEscape(TrF(lang, "This month ({})", Text(At(board.body, "label")))));
  content += figure("minutes", HtmlEscape(Hours(lang, month_minutes)), month_minutes,
                    Tr(lang, "service confirmed"));
  content +=
      figure("points", std::to_string(month_points), month_points, Tr(lang, "points earned"));
  content += figure("volunteers", std::to_string(month_volunteers), month_volunteers,
                    Tr(lang, "volunteers"));
  content += "</ul>\n";
  content += fmt::format("<h2>{}</h2>\n<ul class=\"figures\" data-table=\"waiting\">\n",
                         HtmlEscape(Tr(lang, "Waiting now")));
  const std::int64_t open_n = Number(At(open.body, "total"));
  const std::int64_t overdue_n = Number(At(overdue.body, "total"));
  const std::int64_t claims_n = Number(At(claims.body, "total"));
  content +=
      figure("open_requests", std::to_string(open_n), open_n, Tr(lang, "help requests open"));
  content += figure("overdue_requests", std::to_string(overdue_n), overdue_n,
                    Tr(lang, "of them past their deadline"));
  content += figure("claims", std::to_string(claims_n), claims_n,
                    Tr(lang, "service claims waiting for confirmation"));
  content += "</ul>\n";
  content += fmt::format("<h2>{}</h2>\n<ul class=\"figures\" data-table=\"ledger\">\n",
                         HtmlEscape(Tr(lang, "The ledger")));
  const std::int64_t members = Number(At(status, "accounts"));
  const std::int64_t entries = Number(At(status, "entries"));
  const std::int64_t items = Number(At(status, "items"));
  const std::int64_t peers = static_cast<std::int64_t>(Array(At(status, "peers")).size());
  content += figure("accounts", std::to_string(members), members, Tr(lang, "accounts"));
  content += figure("entries", std::to_string(entries), entries, Tr(lang, "signed entries"));
  content += figure("items", std::to_string(items), items, Tr(lang, "gifts in the catalogue"));
  content += figure("peers", std::to_string(peers), peers, Tr(lang, "neighbour nodes connected"));
  content += "</ul>\n";
  return HtmlReply(200, Layout(f, Tr(lang, "Love bank"), content), lang);
}

HttpReply CataloguePage(const Frame& f, const ApiRead& api) {
  const Lang lang = f.lang;
  auto catalog = Ask(api, "/v1/catalog", lang);
  if (!catalog.ok()) return ErrorPage(f, 503, catalog.error);
  std::vector<std::vector<Cell>> rows;
  for (const auto& item : Array(At(catalog.body, "items"))) {
    const bool withdrawn = At(item, "withdrawn").is_bool() && At(item, "withdrawn").as_bool();
    const std::int64_t stock = Number(At(item, "stock"));
    std::string state = withdrawn   ? Tr(lang, "withdrawn")
                        : stock > 0 ? Tr(lang, "available")
                                    : Tr(lang, "out of stock");
    std::string state_class = withdrawn || stock == 0 ? "warn" : "ok";
    rows.push_back(
        {TextCell(Text(At(item, "name"))),
         TextCell(NameOr(At(item, "station_name"), Text(At(item, "station")))),
         NumberCell(Number(At(item, "price"))),
         NumberCell(stock),
         NumberCell(Number(At(item, "fulfilled"))),
         {fmt::format("<span class=\"state {}\">{}</span>", state_class, HtmlEscape(state)),
          withdrawn   ? "withdrawn"
          : stock > 0 ? "available"
                      : "out_of_stock"}});
  }
  std::string content = fmt::format(
      "<p>{}</p>\n", HtmlEscape(Tr(lang,
                                   "Volunteers exchange their points for these gifts at "
                                   "the station named beside each.")));
  content +=
      Table("catalogue", Tr(lang, "Gifts and stock"),
            {{"name", Tr(lang, "Gift")},
             {"station", Tr(lang, "Station")},
             {"price", Tr(lang, "Points"), true},
             {"stock", Tr(lang, "In stock"), true},
             {"fulfilled", Tr(lang, "Handed over"), true},
             {"state", Tr(lang, "State")}},
            rows, Tr(lang, "No gifts yet: a station adds them with `lovebank catalog add`."));
  content += PrintButton(lang);
  return HtmlReply(200, Layout(f, Tr(lang, "Gifts"), content), lang);
}

HttpReply ReportsPage(const Frame& f, const ApiRead& api, const Query& query) {
  const Lang lang = f.lang;
  std::string by = QueryValue(query, "by");
  if (by.empty()) by = "category";
  const std::string from = QueryValue(query, "from"), to = QueryValue(query, "to");
  std::string target = "/v1/reports/hours?by=" + Url(by);
  if (!from.empty()) target += "&from=" + Url(from);
  if (!to.empty()) target += "&to=" + Url(to);
  auto report = Ask(api, target, lang);

  const std::pair<const char*, const char*> kGroups[] = {{"category", N_("by category")},
                                                         {"team", N_("by team")},
                                                         {"grid", N_("by grid")},
                                                         {"building", N_("by building")},
                                                         {"month", N_("by month")}};
  std::string content = "<form class=\"filters\" method=\"get\" action=\"/reports\">\n";
  content += fmt::format("<label>{}<select name=\"by\">", HtmlEscape(Tr(lang, "Group")));
  for (const auto& [code, words] : kGroups) {
    content += fmt::format("<option value=\"{}\"{}>{}</option>", code,
                           by == code ? " selected" : "", HtmlEscape(Tr(lang, words)));
  }
  content += "</select></label>\n";
  content += fmt::format(
      "<label>{}<input type=\"date\" name=\"from\" value=\"{}\"></label>\n"
      "<label>{}<input type=\"date\" name=\"to\" value=\"{}\"></label>\n"
      "<button type=\"submit\">{}</button></form>\n",
      HtmlEscape(Tr(lang, "From")), HtmlEscape(from), HtmlEscape(Tr(lang, "To")), HtmlEscape(to),
      HtmlEscape(Tr(lang, "Show")));
  if (!report.ok()) {
    content += fmt::format("<p role=\"alert\">{}</p>\n", HtmlEscape(report.error));
    return HtmlReply(400, Layout(f, Tr(lang, "Service hours"), content), lang);
  }
  std::vector<std::vector<Cell>> rows;
  std::vector<std::pair<std::string, double>> bars;
  for (const auto& row : Array(At(report.body, "rows"))) {
    std::string group = Text(At(row, "group"));
    if (group == "(none)") group = Tr(lang, "(none)");
    const std::int64_t minutes = Number(At(row, "minutes"));
    rows.push_back({{HtmlEscape(group), Text(At(row, "group"))},
                    HoursCell(lang, minutes),
                    NumberCell(Number(At(row, "points"))),
                    NumberCell(Number(At(row, "volunteers"))),
                    NumberCell(Number(At(row, "entries")))});
    bars.emplace_back(group, static_cast<double>(minutes));
  }
  std::string period = from.empty() && to.empty()
                           ? Tr(lang, "all time")
                           : TrF(lang, "{} to {}", from.empty() ? Tr(lang, "the start") : from,
                                 to.empty() ? Tr(lang, "today") : to);
  content += Bars(TrF(lang, "Service hours, {}", period), bars,
                  [lang](double m) { return Hours(lang, static_cast<std::int64_t>(m)); });
  content += Table("hours", TrF(lang, "Confirmed service, {}", period),
                   {{"group", Tr(lang, "Group")},
                    {"minutes", Tr(lang, "Hours"), true},
                    {"points", Tr(lang, "Points"), true},
                    {"volunteers", Tr(lang, "Volunteers"), true},
                    {"entries", Tr(lang, "Services"), true}},
                   rows, Tr(lang, "No confirmed service in this period."));
  content += PrintButton(lang);
  return HtmlReply(200, Layout(f, Tr(lang, "Service hours"), content), lang);
}

HttpReply LeaderboardPage(const Frame& f, const ApiRead& api, const Query& query) {
  const Lang lang = f.lang;
  std::string period = QueryValue(query, "period") == "year" ? "year" : "month";
  auto board = Ask(api, "/v1/reports/leaderboard?limit=100&period=" + period, lang);
  if (!board.ok()) return ErrorPage(f, 503, board.error);
  std::string content = "<ul class=\"tabs no-print\">";
  for (const auto& [code, words] :
       {std::pair{"month", N_("This month")}, std::pair{"year", N_("This year")}}) {
    content +=
        fmt::format("<li><a href=\"/leaderboard?period={}\"{}>{}</a></li>", code,
                    period == code ? " aria-current=\"page\"" : "", HtmlEscape(Tr(lang, words)));
  }
  content += "</ul>\n";
  const std::string label = Text(At(board.body, "label"));
  content +=
      fmt::format("<p>{}</p>\n",
                  HtmlEscape(TrF(lang,
                                 "The volunteers with the most confirmed service in {}, for public "
                                 "commendation.",
                                 label)));
  std::vector<std::vector<Cell>> rows;
  for (const auto& row : Array(At(board.body, "rows"))) {
    const std::string key = Text(At(row, "account"));
    rows.push_back(
        {NumberCell(Number(At(row, "rank"))), MemberCell(NameOr(At(row, "name"), key), key),
         HoursCell(lang, Number(At(row, "minutes"))), NumberCell(Number(At(row, "points")))});
  }
  content += Table("leaderboard", TrF(lang, "Leaderboard, {}", label),
                   {{"rank", Tr(lang, "Rank"), true},
                    {"name", Tr(lang, "Volunteer")},
                    {"minutes", Tr(lang, "Hours"), true},
                    {"points", Tr(lang, "Points"), true}},
                   rows, Tr(lang, "Nobody has confirmed service in this period yet."));
  content += PrintButton(lang);
  return HtmlReply(200, Layout(f, Tr(lang, "Leaderboard"), content), lang);
}

HttpReply RequestsPage(const Frame& f, const ApiRead& api) {
  const Lang lang = f.lang;
  auto open = Ask(api, "/v1/requests?state=open&limit=1000", lang);
  if (!open.ok()) return ErrorPage(f, 503, open.error);
  std::vector<std::vector<Cell>> rows;
  for (const auto& r : Array(At(open.body, "requests"))) {
    std::string where = Text(At(r, "grid"));
    if (!Text(At(r, "building")).empty()) {
      where += where.empty() ? Text(At(r, "building")) : " · " + Text(At(r, "building"));
    }
    std::string takers;
    for (const auto& t : Array(At(r, "takers"))) {
      if (!takers.empty()) takers += ", ";
      takers += NameOr(At(t, "name"), Text(At(t, "key")));
    }
    const std::string overdue_for = Text(At(r, "overdue_for"));
    std::string state;
    std::string state_class = "ok";
    if (overdue_for == "take") {
      state = TrF(lang, "nobody took it in time ({} late)",
                  Hours(lang, Number(At(r, "overdue_ms")) / 60'000));
      state_class = "warn";
    } else if (overdue_for == "resolve") {
      state = TrF(lang, "not done in time ({} late)",
                  Hours(lang, Number(At(r, "overdue_ms")) / 60'000));
      state_class = "warn";
    } else if (!Array(At(r, "resolves")).empty()) {
      state = Tr(lang, "done, waiting for the resident's confirmation");
    } else if (!Array(At(r, "takers")).empty()) {
      state = Tr(lang, "taken");
    } else {
      state = Tr(lang, "waiting for a volunteer");
    }
    rows.push_back(
        {TextCell(LocalTime(Number(At(r, "opened_ms")), f.utc_offset_minutes)),
         TextCell(Text(At(r, "title"))),
         TextCell(NameOr(At(r, "resident_name"), Text(At(r, "resident")))),
         TextCell(where),
         {HtmlEscape(UrgencyWord(lang, Text(At(r, "urgency")))), Text(At(r, "urgency"))},
         TextCell(takers),
         {fmt::format("<span class=\"state {}\">{}</span>", state_class, HtmlEscape(state)),
          overdue_for.empty() ? "in_time" : "overdue_" + overdue_for}});
  }
  std::string content =
      fmt::format("<p>{}</p>\n", HtmlEscape(Tr(lang,
                                               "Help requests that residents made and that are not "
                                               "yet confirmed or closed, oldest first.")));
  content += Table("requests", TrF(lang, "Open help requests: {}", rows.size()),
                   {{"opened", Tr(lang, "Opened")},
                    {"title", Tr(lang, "Request")},
                    {"resident", Tr(lang, "Resident")},
                    {"where", Tr(lang, "Where")},
                    {"urgency", Tr(lang, "Urgency")},
                    {"takers", Tr(lang, "Taken by")},
                    {"state", Tr(lang, "State")}},
                   rows, Tr(lang, "No help request is waiting."));
  return HtmlReply(200, Layout(f, Tr(lang, "Help requests"), content), lang);
}

HttpReply MembersPage(const Frame& f, const ApiRead& api) {
  const Lang lang = f.lang;
  auto members = Ask(api, "/v1/members", lang);
  if (!members.ok()) return ErrorPage(f, 503, members.error);
  std::vector<std::vector<Cell>> rows;
  for (const auto& m : Array(At(members.body, "members"))) {
    if (!At(m, "profile").is_object()) continue;  // keys that were never enrolled
    const std::string key = Text(At(m, "account"));
    const auto& profile = At(m, "profile");
    std::string teams;
    for (const auto& t : Array(At(profile, "teams"))) {
      if (!teams.empty()) teams += ", ";
      teams += Text(t);
    }
    rows.push_back({MemberCell(NameOr(At(m, "name"), key), key),
                    TextCell(Text(At(profile, "grid"))), TextCell(Text(At(profile, "building"))),
                    TextCell(teams), HoursCell(lang, Number(At(m, "minutes"))),
                    NumberCell(Number(At(m, "balance")))});
  }
  // By name as a notice board lists them: pinyin, then Latin (i18n/collate.h).
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return i18n::NameLess(a[0].value, b[0].value);
  });
  std::string content = Table("members", TrF(lang, "Members: {}", rows.size()),
                              {{"name", Tr(lang, "Name")},
                               {"grid", Tr(lang, "Grid")},
                               {"building", Tr(lang, "Building")},
                               {"teams", Tr(lang, "Teams")},
                               {"minutes", Tr(lang, "Hours"), true},
                               {"balance", Tr(lang, "Points"), true}},
                              rows, Tr(lang, "Nobody is enrolled yet."));
  return HtmlReply(200, Layout(f, Tr(lang, "Members"), content), lang);
}

HttpReply MemberPage(const Frame& f, const ApiRead& api, const std::string& key) {
  const Lang lang = f.lang;
  if (key.size() != 64 || !std::all_of(key.begin(), key.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c));
      })) {
    return ErrorPage(f, 404, Tr(lang, "A member's page is named by their key: 64 hex digits."));
  }
  auto account = Ask(api, "/v1/accounts/" + key, lang);
  if (!account.ok()) return ErrorPage(f, account.status == 400 ? 404 : 503, account.error);
  if (!At(account.body, "known").is_bool() || !At(account.body, "known").as_bool()) {
    return ErrorPage(f, 404, Tr(lang, "Nobody with this key is known here."));
  }
  auto history = Ask(api, "/v1/accounts/" + key + "/history?limit=50", lang);
  const std::string name = NameOr(At(account.body, "name"), key);
  const auto& profile = At(account.body, "profile");

  std::string roles;
  for (const auto& r : Array(At(account.body, "roles"))) {
    if (!roles.empty()) roles += ", ";
    roles += RoleWord(lang, Text(r));
  }
  std::string teams;
  for (const auto& t : Array(At(profile, "teams"))) {
    if (!teams.empty()) teams += ", ";
    teams += Text(t);
  }
  auto fact = [](const std::string& k, const std::string& label, const std::string& value_html,
                 const std::string& value) {
    return fmt::format(
        "<li data-key=\"{}\" data-value=\"{}\"><span class=\"value\">{}</span>"
        "<span class=\"label\">{}</span></li>\n",
        k, HtmlEscape(value), value_html, HtmlEscape(label));
  };
  const std::int64_t minutes = Number(At(account.body, "minutes"));
  std::string content = "<ul class=\"figures\" data-table=\"account\">\n";
  content += fact("minutes", Tr(lang, "confirmed service"), HtmlEscape(Hours(lang, minutes)),
                  std::to_string(minutes));
  for (const char* k : {"service_points", "received_points", "spent_points", "balance"}) {
    const std::string label = std::string_view(k) == "service_points" ? Tr(lang, "points earned")
                              : std::string_view(k) == "received_points"
                                  ? Tr(lang, "points received")
                              : std::string_view(k) == "spent_points" ? Tr(lang, "points spent")
                                                                      : Tr(lang, "balance");
    const std::string v = std::to_string(Number(At(account.body, k)));
    content += fact(k, label, v, v);
  }
  content += "</ul>\n<dl>\n";
  auto line = [&](const std::string& label, const std::string& value) {
    if (value.empty()) return;
    content += fmt::format("<dt>{}</dt><dd>{}</dd>\n", HtmlEscape(label), HtmlEscape(value));
  };
  line(Tr(lang, "Grid"), Text(At(profile, "grid")));
  line(Tr(lang, "Building"), Text(At(profile, "building")));
  line(Tr(lang, "Teams"), teams);
  line(Tr(lang, "Roles"), roles);
  line(Tr(lang, "Key"), Text(At(account.body, "account")));
  content += "</dl>\n";
  std::vector<std::vector<Cell>> rows;
  for (const auto& e : Array(At(history.body, "entries"))) {
    const auto& effect = At(e, "effect");
    std::string what = Text(At(e, "activity"));
    if (what.empty()) what = Text(At(e, "title"));
    if (what.empty()) what = Text(At(e, "memo"));
    rows.push_back({TextCell(LocalTime(Number(At(e, "timestamp_ms")), f.utc_offset_minutes)),
                    {HtmlEscape(KindWord(lang, Text(At(e, "kind")))), Text(At(e, "kind"))},
                    TextCell(what),
                    HoursCell(lang, Number(At(effect, "minutes"))),
                    NumberCell(Number(At(effect, "points")))});
  }
  content += Table(
      "history",
      TrF(lang, "History: the latest {} of {}", rows.size(), Number(At(history.body, "total"))),
      {{"time", Tr(lang, "Time")},
       {"kind", Tr(lang, "What")},
       {"about", Tr(lang, "About")},
       {"minutes", Tr(lang, "Hours"), true},
       {"points", Tr(lang, "Points"), true}},
      rows, Tr(lang, "Nothing yet."));
  content += PrintButton(lang);
  return HtmlReply(200, Layout(f, name, content), lang);
}

HttpReply Asset(std::string_view name) {
  const unsigned char* bytes = nullptr;
  std::size_t size = 0;
  std::string type;
  if (name == "site.css") {
    bytes = kLovebankSiteCss, size = kLovebankSiteCssSize, type = "text/css; charset=utf-8";
  } else if (name == "site.js") {
    bytes = kLovebankSiteJs, size = kLovebankSiteJsSize, type = "text/javascript; charset=utf-8";
  } else {
    HttpReply reply{404, "not found\n", "text/plain; charset=utf-8", {}, {}};
    reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return reply;
  }
  HttpReply reply{200, std::string(reinterpret_cast<const char*>(bytes), size), type, {}, {}};
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.headers.emplace_back("Cache-Control", "max-age=3600");
  return reply;
}

}  // namespace

std::optional<HttpReply> AnswerPage(const HttpRequest& request,
                                    const std::vector<std::string>& path, const Query& query,
                                    const ApiRead& api) {
  if (request.method() != http::verb::get) {
    return std::nullopt;
  }
  if (path.size() == 2 && path[0] == "assets") return Asset(path[1]);
  const bool page = path.empty() ||
                    (path.size() == 1 &&
                     (path[0] == "catalogue" || path[0] == "reports" || path[0] == "leaderboard" ||
                      path[0] == "requests" || path[0] == "members")) ||
                    (path.size() == 2 && path[0] == "members");
  if (!page) return std::nullopt;

  HttpReply error;
  auto frame = MakeFrame(request, path, query, api, &error);
  if (!frame) return error;
  const Frame& f = *frame;

  HttpReply reply;
  if (path.empty()) {
    reply = StartPage(f, api);
  } else if (path[0] == "catalogue") {
    reply = CataloguePage(f, api);
  } else if (path[0] == "reports") {
    reply = ReportsPage(f, api, query);
  } else if (path[0] == "leaderboard") {
    reply = LeaderboardPage(f, api, query);
  } else if (path[0] == "requests") {
    reply = RequestsPage(f, api);
  } else if (path.size() == 1) {
    reply = MembersPage(f, api);
  } else {
    reply = MemberPage(f, api, path[1]);
  }
  RememberLang(reply, f, query);  // the switch's choice, for the next pages
  return reply;
}

}  // namespace lovebank::node
