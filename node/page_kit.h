// What the node's pages share (node/pages.cc; the acting pages of docs/web.md's plan):
// reading the API's JSON, words people read, the frame around a page with its
// security headers, and tables whose cells carry their raw values. Internal to the
// node; docs/web.md says what the pages are.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/i18n.h"
#include "node/http_server.h"
#include "node/pages.h"

namespace lovebank::node::page {

using Query = std::map<std::string, std::string>;
std::string QueryValue(const Query& query, const std::string& key);
// The value of cookie `name` in the request's Cookie header, or "".
std::string CookieValue(const HttpRequest& request, std::string_view name);
// `text` percent-encoded for a URL's path or query.
std::string Url(std::string_view text);

// ---- the API's JSON, read forgivingly (a missing field is empty or zero) ----------
const boost::json::value& At(const boost::json::value& v, std::string_view key);
std::string Text(const boost::json::value& v);
std::int64_t Number(const boost::json::value& v);
const boost::json::array& Array(const boost::json::value& v);

// The API's reply to `target`, parsed; `error` holds its message when it is not 200.
struct ApiAnswer {
  boost::json::value body;
  int status = 0;
  std::string error;
  bool ok() const { return status == 200 || status == 201; }
};
ApiAnswer Ask(const ApiRead& api, const std::string& target, i18n::Lang lang);
// The same for a reply already made (a submission's).
ApiAnswer Parse(const HttpReply& reply, i18n::Lang lang);

// ---- words ------------------------------------------------------------------------
std::string Hours(i18n::Lang lang, std::int64_t minutes);            // "2 小时 30 分钟"
std::string LocalTime(std::int64_t ms, std::int32_t utc_offset_minutes);  // "2026-11-23 14:05"
std::string RoleWord(i18n::Lang lang, const std::string& role);
// The enrolled name, or the key's first 8 digits when there is none.
std::string NameOr(const boost::json::value& name, const std::string& key);

// ---- the frame --------------------------------------------------------------------
struct Frame {
  i18n::Lang lang = i18n::Lang::kZh;
  std::string community;
  std::string path;  // the page's path, for the language switch and the current link
  std::int32_t utc_offset_minutes = 0;
};
// The frame of a page at `path`, from /v1/status; nullopt with an error page in
// `error` if the node cannot say.
std::optional<Frame> MakeFrame(const HttpRequest& request, const std::vector<std::string>& path,
                               const Query& query, const ApiRead& api, HttpReply* error);
std::string Layout(const Frame& f, const std::string& title, const std::string& content);
// An HTML reply with the pages' security headers.
HttpReply HtmlReply(int status, std::string body, i18n::Lang lang);
HttpReply ErrorPage(const Frame& f, int status, const std::string& message);
// Adds the cookie that remembers the language switch, when the query used it.
void RememberLang(HttpReply& reply, const Frame& f, const Query& query);

// ---- tables -----------------------------------------------------------------------
// A table whose cells carry their raw values in data-value, so that a test (or a
// script) reads the numbers the page shows without parsing the words around them.
struct Column {
  std::string key;
  std::string heading;
  bool numeric = false;
};
struct Cell {
  std::string html;   // what people see, already escaped
  std::string value;  // the raw value, escaped when written
};
std::string Table(const std::string& name, const std::string& caption,
                  const std::vector<Column>& columns, const std::vector<std::vector<Cell>>& rows,
                  const std::string& empty);
Cell TextCell(const std::string& text);
Cell NumberCell(std::int64_t n);
Cell HoursCell(i18n::Lang lang, std::int64_t minutes);
Cell MemberCell(const std::string& name, const std::string& key);
std::string PrintButton(i18n::Lang lang);

}  // namespace lovebank::node::page
