// The node's web pages for people: the start page, the gift catalogue, the service
// hours report, the leaderboard for public commendation (公示), the help requests
// waiting, and each member's page. Served by the API's Beast server on its own
// address (docs/web.md), in zh-CN unless the browser or the page's switch asks for
// English.
//
// Every page is a view of the JSON API's own replies, asked of the same handlers
// without a socket, so that a page and the wallet can never show different numbers.
// Pages are rendered on the server with every value HTML-escaped; the one stylesheet
// and the one script are compiled into the binary, and a Content-Security-Policy
// forbids anything else (inline script, framing, foreign origins).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "i18n/i18n.h"
#include "node/http_server.h"

namespace lovebank::node {

// One GET of the JSON API: the reply its handler gives to `target` ("/v1/status",
// "/v1/reports/hours?by=team") worded in `lang`.
using ApiRead = std::function<HttpReply(const std::string& target, i18n::Lang lang)>;

// The page (or asset) at `path`, or nullopt when `path` names none: the router then
// answers as the API does. `query` is the decoded query string.
std::optional<HttpReply> AnswerPage(const HttpRequest& request,
                                    const std::vector<std::string>& path,
                                    const std::map<std::string, std::string>& query,
                                    const ApiRead& api);

// `text` with the characters HTML gives meaning to (& < > " ') written as entities:
// safe in element content and in quoted attribute values.
std::string HtmlEscape(std::string_view text);

// The language a page speaks: `?lang=` first (the page's switch), then the
// `lovebank_lang` cookie it sets, then Accept-Language, then Chinese.
i18n::Lang PageLang(const HttpRequest& request, const std::map<std::string, std::string>& query);

}  // namespace lovebank::node
