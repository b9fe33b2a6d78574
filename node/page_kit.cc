#include "node/page_kit.h"

#include <fmt/format.h>

#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>

namespace lovebank::node::page {

namespace http = boost::beast::http;
namespace json = boost::json;
using i18n::Lang;
using i18n::Tr;
using i18n::TrF;

namespace {

// Nothing but this origin's stylesheet, script and images; no inline script, no
// framing, forms post only here.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

constexpr std::string_view kLangCookie = "lovebank_lang";

}  // namespace

std::string CookieValue(const HttpRequest& request, std::string_view name) {
  auto cookie = request.find(http::field::cookie);
  if (cookie == request.end()) return {};
  std::string_view header = cookie->value();
  while (!header.empty()) {
    auto end = header.find(';');
    std::string_view pair = header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return {};
}

std::optional<Frame> MakeFrame(const HttpRequest& request, const std::vector<std::string>& path,
                               const Query& query, const ApiRead& api, HttpReply* error) {
  Frame f;
  f.lang = PageLang(request, query);
  f.path = "/";
  for (std::size_t i = 0; i < path.size(); ++i) f.path += (i ? "/" : "") + Url(path[i]);
  auto status = Ask(api, "/v1/status", f.lang);
  if (!status.ok()) {
    f.community = "Lovebank";
    *error = ErrorPage(f, 503, status.error);
    return std::nullopt;
  }
  f.community = Text(At(status.body, "community"));
  f.utc_offset_minutes =
      static_cast<std::int32_t>(Number(At(At(status.body, "policy"), "utc_offset_minutes")));
  return f;
}

void RememberLang(HttpReply& reply, const Frame& f, const Query& query) {
  if (!query.contains("lang")) return;
  reply.headers.emplace_back(
      "Set-Cookie", fmt::format("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", kLangCookie,
                                f.lang == Lang::kZh ? "zh" : "en"));
}

std::string QueryValue(const Query& query, const std::string& key) {
  auto it = query.find(key);
  return it == query.end() ? std::string() : it->second;
}

// ---- reading the API's JSON -------------------------------------------------------

const json::value& At(const json::value& v, std::string_view key) {
  static const json::value kNull;
  if (!v.is_object()) return kNull;
  const auto* found = v.as_object().if_contains(key);
  return found ? *found : kNull;
}
std::string Text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return {};
}
std::int64_t Number(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.as_uint64());
  if (v.is_double()) {  // in range before the cast: a NaN or 1e300 would be undefined
    const double d = v.as_double();
    return d > -9e18 && d < 9e18 ? static_cast<std::int64_t>(d) : 0;
  }
  return 0;
}
const json::array& Array(const json::value& v) {
  static const json::array kEmpty;
  return v.is_array() ? v.as_array() : kEmpty;
}

// The API's reply to `target`, parsed; `error` holds its message when it is not 200.
ApiAnswer Ask(const ApiRead& api, const std::string& target, Lang lang) {
  return Parse(api(target, lang), lang);
}

ApiAnswer Parse(const HttpReply& reply, Lang lang) {
  ApiAnswer out;
  out.status = reply.status;
  json::error_code ec;
  out.body = json::parse(reply.body, ec);
  if (ec) out.body = nullptr;
  if (!out.ok()) {
    out.error = Text(At(out.body, "message"));
    if (out.error.empty()) out.error = Tr(lang, "the node could not answer this page");
  }
  return out;
}

std::string Url(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// ---- words people read ------------------------------------------------------------

std::string Hours(Lang lang, std::int64_t minutes) {
  std::int64_t h = minutes / 60, m = minutes % 60;
  if (h == 0) return TrF(lang, "{} min", m);
  if (m == 0) return TrF(lang, "{} h", h);
  return TrF(lang, "{} h {} min", h, m);
}

// "2026-11-23 14:05" on the community's clock.
std::string LocalTime(std::int64_t ms, std::int32_t utc_offset_minutes) {
  using namespace std::chrono;
  const std::int64_t local_ms = ms + std::int64_t{utc_offset_minutes} * 60'000;
  const auto day = floor<days>(sys_time<milliseconds>(milliseconds(local_ms)));
  const year_month_day ymd(day);
  const auto in_day = milliseconds(local_ms) - day.time_since_epoch();
  const auto minute_of_day = duration_cast<minutes>(in_day).count();
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     minute_of_day / 60, minute_of_day % 60);
}

std::string RoleWord(Lang lang, const std::string& role) {
  if (role == "admin") return Tr(lang, "admin");
  if (role == "coordinator") return Tr(lang, "coordinator");
  if (role == "station") return Tr(lang, "station");
  if (role == "auditor") return Tr(lang, "auditor");
  return role;
}

std::string NameOr(const json::value& name, const std::string& key) {
  std::string n = Text(name);
  return n.empty() ? key.substr(0, 8) : n;
}

// ---- the page around the content --------------------------------------------------

struct Nav {
  const char* path;
  const char* label;
};
constexpr Nav kNav[] = {
    {"/", N_("Home")},
    {"/catalogue", N_("Gifts")},
    {"/reports", N_("Service hours")},
    {"/leaderboard", N_("Leaderboard")},
    {"/requests", N_("Help requests")},
    {"/members", N_("Members")},
};


std::string Layout(const Frame& f, const std::string& title, const std::string& content) {
  const Lang other = f.lang == Lang::kZh ? Lang::kEn : Lang::kZh;
  std::string nav;
  for (const auto& item : kNav) {
    const bool here = f.path == item.path;
    nav += fmt::format("<li><a href=\"{}\"{}>{}</a></li>", item.path,
                       here ? " aria-current=\"page\"" : "", HtmlEscape(Tr(f.lang, item.label)));
  }
  return fmt::format(
      "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{title} · {community}</title>\n"
      "<link rel=\"stylesheet\" href=\"/assets/site.css\">\n"
      "<script src=\"/assets/site.js\" defer></script>\n</head>\n<body>\n"
      "<header><a class=\"home\" href=\"/\">{community}</a>\n"
      "<nav aria-label=\"{nav_label}\"><ul>{nav}</ul></nav>\n"
      "<a class=\"lang\" href=\"{path}?lang={other_code}\" lang=\"{other_tag}\" "
      "hreflang=\"{other_tag}\">{other_name}</a></header>\n"
      "<main>\n<h1>{title}</h1>\n{content}</main>\n"
      "<footer>{footer}</footer>\n</body>\n</html>\n",
      fmt::arg("lang", i18n::Tag(f.lang)), fmt::arg("title", HtmlEscape(title)),
      fmt::arg("community", HtmlEscape(f.community)),
      fmt::arg("nav_label", HtmlEscape(Tr(f.lang, "Pages"))), fmt::arg("nav", nav),
      fmt::arg("path", HtmlEscape(f.path)),
      fmt::arg("other_code", other == Lang::kZh ? "zh" : "en"),
      fmt::arg("other_tag", i18n::Tag(other)),
      fmt::arg("other_name", other == Lang::kZh ? "中文" : "English"), fmt::arg("content", content),
      fmt::arg("footer", HtmlEscape(Tr(f.lang,
                                       "Lovebank: every hour here is signed by the people who "
                                       "gave and confirmed it, and any copy can check it."))));
}

HttpReply HtmlReply(int status, std::string body, Lang lang) {
  HttpReply reply{status, std::move(body), "text/html; charset=utf-8", {}, {}};
  reply.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  reply.headers.emplace_back("X-Frame-Options", "DENY");
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.headers.emplace_back("Referrer-Policy", "same-origin");
  reply.headers.emplace_back("Cache-Control", "no-cache");
  reply.headers.emplace_back("Content-Language", std::string(i18n::Tag(lang)));
  return reply;
}

HttpReply ErrorPage(const Frame& f, int status, const std::string& message) {
  std::string content =
      fmt::format("<p role=\"alert\">{}</p>\n<p><a href=\"/\">{}</a></p>\n", HtmlEscape(message),
                  HtmlEscape(Tr(f.lang, "Back to the start page")));
  return HtmlReply(status, Layout(f, Tr(f.lang, "Not available"), content), f.lang);
}


std::string Table(const std::string& name, const std::string& caption,
                  const std::vector<Column>& columns, const std::vector<std::vector<Cell>>& rows,
                  const std::string& empty) {
  if (rows.empty()) return fmt::format("<p class=\"note\">{}</p>\n", HtmlEscape(empty));
  // The wrapper scrolls a wide table sideways on a phone; it takes the focus so that
  // a keyboard can scroll it too.
  std::string out = fmt::format(
      "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"{}\">"
      "<table data-table=\"{}\">\n",
      HtmlEscape(caption), HtmlEscape(name));
  out += fmt::format("<caption>{}</caption>\n<thead><tr>", HtmlEscape(caption));
  for (const auto& c : columns) {
    out += fmt::format("<th scope=\"col\"{}>{}</th>", c.numeric ? " class=\"num\"" : "",
                       HtmlEscape(c.heading));
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size() && i < columns.size(); ++i) {
      out += fmt::format("<td data-key=\"{}\" data-value=\"{}\" data-label=\"{}\"{}>{}</td>",
                         HtmlEscape(columns[i].key), HtmlEscape(row[i].value),
                         HtmlEscape(columns[i].heading), columns[i].numeric ? " class=\"num\"" : "",
                         row[i].html);
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
  return out;
}

Cell TextCell(const std::string& text) { return {HtmlEscape(text), text}; }
Cell NumberCell(std::int64_t n) { return {std::to_string(n), std::to_string(n)}; }
Cell HoursCell(Lang lang, std::int64_t minutes) {
  return {HtmlEscape(Hours(lang, minutes)), std::to_string(minutes)};
}
Cell MemberCell(const std::string& name, const std::string& key) {
  return {fmt::format("<a href=\"/members/{}\">{}</a>", Url(key), HtmlEscape(name)), name};
}

std::string PrintButton(Lang lang) {
  return fmt::format(
      "<p class=\"no-print\"><button type=\"button\" data-print hidden>{}</button></p>\n",
      HtmlEscape(Tr(lang, "Print")));
}

}  // namespace lovebank::node::page

namespace lovebank::node {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

i18n::Lang PageLang(const HttpRequest& request, const page::Query& query) {
  using i18n::Lang;
  if (auto asked = i18n::ParseLang(page::QueryValue(query, "lang"))) return *asked;
  if (auto kept = i18n::ParseLang(page::CookieValue(request, page::kLangCookie))) return *kept;
  auto accept = request.find(boost::beast::http::field::accept_language);
  if (accept != request.end()) return i18n::FromAcceptLanguage(accept->value(), Lang::kZh);
  return Lang::kZh;
}

}  // namespace lovebank::node
