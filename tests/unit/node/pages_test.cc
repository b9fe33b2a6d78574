// The pages' escaping, language choice and routing, over a fake API (the browser test
// tests/e2e/web_e2e_test.cc drives the real node).
#include "node/pages.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <string>

#include "node/page_kit.h"

namespace lovebank::node {
namespace {

namespace http = boost::beast::http;

HttpRequest Get(const std::string& target) {
  HttpRequest req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:7700");
  return req;
}

std::string Header(const HttpReply& reply, const std::string& name) {
  for (const auto& [k, v] : reply.headers) {
    if (k == name) return v;
  }
  return {};
}

// Answers /v1/status with a community whose name is markup, the catalogue with an
// item whose name is a script, and everything else with an empty list.
HttpReply FakeApi(const std::string& target, i18n::Lang) {
  if (target == "/v1/status") {
    return JsonReply(200, boost::json::parse(R"({"community": "<b>Sunflower</b>",
        "time_ms": 1795500000000, "accounts": 3, "entries": 9, "items": 1, "peers": [],
        "policy": {"utc_offset_minutes": 480}})"));
  }
  if (target == "/v1/catalog") {
    return JsonReply(200, boost::json::parse(R"({"items": [{"name": "<script>x()</script>",
        "station": "ab", "station_name": "\"Gift\" & co", "price": 12, "stock": 0,
        "fulfilled": 1, "withdrawn": false}]})"));
  }
  return JsonReply(200, boost::json::parse(R"({"rows": [], "requests": [], "total": 0})"));
}

TEST(Pages, EscapeEveryCharacterHtmlGivesMeaningTo) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x" title='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("陈阿姨 3 栋"), "陈阿姨 3 栋");
}

TEST(Pages, LanguageIsTheSwitchThenTheCookieThenTheBrowserThenChinese) {
  auto req = Get("/");
  EXPECT_EQ(PageLang(req, {}), i18n::Lang::kZh);
  req.set(http::field::accept_language, "en-US,en;q=0.9");
  EXPECT_EQ(PageLang(req, {}), i18n::Lang::kEn);
  req.set(http::field::cookie, "other=1; lovebank_langx=en; lovebank_lang=zh");
  EXPECT_EQ(PageLang(req, {}), i18n::Lang::kZh);
  EXPECT_EQ(PageLang(req, {{"lang", "en"}}), i18n::Lang::kEn);
  req.set(http::field::cookie, "lovebank_lang=klingon");
  EXPECT_EQ(PageLang(req, {}), i18n::Lang::kEn);  // back to Accept-Language
  EXPECT_EQ(page::CookieValue(req, "lovebank_lang"), "klingon");
  EXPECT_EQ(page::CookieValue(req, "lovebank"), "");
}

TEST(Pages, ValuesFromTheLedgerAreTextAndThePolicyForbidsInlineScript) {
  auto reply = AnswerPage(Get("/catalogue"), {"catalogue"}, {}, FakeApi);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->content_type, "text/html; charset=utf-8");
  EXPECT_NE(reply->body.find("&lt;script&gt;x()&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(reply->body.find("<script>x()"), std::string::npos);
  EXPECT_NE(reply->body.find("&lt;b&gt;Sunflower&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(reply->body.find("&quot;Gift&quot; &amp; co"), std::string::npos);
  EXPECT_NE(reply->body.find("缺货"), std::string::npos);  // out of stock, in words
  EXPECT_NE(Header(*reply, "Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_EQ(Header(*reply, "Content-Security-Policy").find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(Header(*reply, "X-Frame-Options"), "DENY");
  EXPECT_EQ(Header(*reply, "Content-Language"), "zh-CN");
  EXPECT_EQ(Header(*reply, "Set-Cookie"), "");
  auto english = AnswerPage(Get("/catalogue?lang=en"), {"catalogue"}, {{"lang", "en"}}, FakeApi);
  ASSERT_TRUE(english);
  EXPECT_NE(english->body.find("out of stock"), std::string::npos);
  EXPECT_NE(Header(*english, "Set-Cookie").find("lovebank_lang=en"), std::string::npos);
}

TEST(Pages, OnlyPagesAndAssetsAreTakenAndAFailingApiGivesAPageThatSaysSo) {
  EXPECT_FALSE(AnswerPage(Get("/v1/status"), {"v1", "status"}, {}, FakeApi));
  EXPECT_FALSE(AnswerPage(Get("/etc/passwd"), {"etc", "passwd"}, {}, FakeApi));
  HttpRequest post{http::verb::post, "/", 11};
  EXPECT_FALSE(AnswerPage(post, {}, {}, FakeApi));
  auto css = AnswerPage(Get("/assets/site.css"), {"assets", "site.css"}, {}, FakeApi);
  ASSERT_TRUE(css);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  EXPECT_NE(css->body.find("font-size"), std::string::npos);
  auto missing = AnswerPage(Get("/assets/x"), {"assets", "../x"}, {}, FakeApi);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto bad_member = AnswerPage(Get("/members/zz"), {"members", "zz"}, {}, FakeApi);
  ASSERT_TRUE(bad_member);
  EXPECT_EQ(bad_member->status, 404);

  auto down = [](const std::string&, i18n::Lang) {
    return ErrorReply(ledger::RefusalCode::kInternal, "disk <gone>");
  };
  auto reply = AnswerPage(Get("/"), {}, {}, down);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 503);
  EXPECT_NE(reply->body.find("disk &lt;gone&gt;"), std::string::npos);
}

}  // namespace
}  // namespace lovebank::node
