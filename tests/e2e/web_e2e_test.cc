// The node's pages in a real headless Chromium (Debian's, driven by playwright-core
// from tests/web/pages.mjs) against a real lovebank-node process: the numbers a page
// shows are the wallet's, hostile names stay text, nothing but the node's one script
// runs, and axe-core finds no serious or critical accessibility problem. Screenshots
// of every page go to build/web-screenshots/ (docs/web.md shows them).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/community_fixture.h"

namespace lovebank {
namespace {

constexpr char kEvilName[] = "<script>alert(1)</script>";
constexpr char kEvilItem[] = "<img src=x onerror=alert(2)>大米";

class Web : public Community {
 protected:
  // What pages.mjs saw on each of `paths`, in both languages and both sizes.
  json::array Visit(const std::vector<std::string>& paths) {
    if (std::string(LOVEBANK_NODEJS).empty()) {
      ADD_FAILURE() << "the browser test needs Node.js 20 or later (docs/toolchain.md); "
                       "install it, then run `bash scripts/setup` and cmake again";
      return {};
    }
    const std::filesystem::path scripts = LOVEBANK_WEB_TEST_DIR;
    if (!std::filesystem::exists(scripts / "node_modules" / "playwright-core")) {
      ADD_FAILURE() << "the browser test's packages are missing: run `bash scripts/setup`";
      return {};
    }
    std::filesystem::remove_all(LOVEBANK_SCREENSHOT_DIR);  // only this run's pictures
    std::vector<std::string> argv{LOVEBANK_NODEJS, (scripts / "pages.mjs").string(), Url(),
                                  LOVEBANK_SCREENSHOT_DIR};
    argv.insert(argv.end(), paths.begin(), paths.end());
    auto run = RunProcess(argv, {}, {}, 240);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    json::error_code ec;
    auto seen = json::parse(run.out, ec);
    if (ec || !seen.is_object()) {
      ADD_FAILURE() << "pages.mjs printed no JSON: " << run.out << run.err;
      return {};
    }
    return seen.at("pages").as_array();
  }

  static const json::object* Find(const json::array& pages, const std::string& path,
                                  const std::string& lang, const std::string& viewport) {
    for (const auto& p : pages) {
      const auto& o = p.as_object();
      if (Str(o.at("path")) == path && Str(o.at("lang")) == lang &&
          Str(o.at("viewport")) == viewport) {
        return &o;
      }
    }
    ADD_FAILURE() << "no visit of " << path << " " << lang << " " << viewport;
    return nullptr;
  }
  static const json::array& Rows(const json::object& page, const std::string& table) {
    static const json::array kNone;
    const auto* t = page.at("tables").as_object().if_contains(table);
    EXPECT_TRUE(t) << "no table " << table << " on " << Str(page.at("path"));
    return t ? t->as_array() : kNone;
  }
  static std::string Cell(const json::value& row, const std::string& key) {
    const auto* v = row.as_object().if_contains(key);
    EXPECT_TRUE(v) << "no cell " << key << " in " << json::serialize(row);
    return v ? Str(*v) : std::string();
  }
};

TEST_F(Web, EveryPageShowsTheWalletsNumbersSafelyAndAccessibly) {
  Member("coord", "coordinator");
  Member("station", "station");
  const std::string chen = Key("chen");
  Ok("admin", {"member", "enrol", chen, "--name", "陈阿姨", "--grid", "一网格", "--building",
               "3 栋", "--team", "助老服务队"});
  const std::string evil = Key("evil");
  Ok("admin", {"member", "enrol", evil, "--name", kEvilName, "--grid", kEvilName});
  Ok("coord", {"service", "record", "--activity", "陪同就医", "--category", "care", "--minutes",
               "90", "--volunteer", chen, "--volunteer", evil});
  // Earlier the same day (the judgement refuses an hour that overlaps the first).
  const std::time_t earlier = static_cast<std::time_t>(testing::NowMs() / 1000) - 3 * 3600;
  std::tm tm{};
  ::gmtime_r(&earlier, &tm);  // the fixture's community keeps UTC
  char start[32];
  std::strftime(start, sizeof start, "%Y-%m-%dT%H:%M", &tm);
  Ok("coord", {"service", "record", "--activity", "打扫楼道", "--category", "cleaning", "--minutes",
               "60", "--volunteer", chen, "--start", start});
  Ok("station", {"catalog", "add", "--item", kEvilItem, "--price", "12", "--stock", "3"});
  Ok("station", {"catalog", "add", "--item", "食用油", "--price", "30", "--stock", "0"});
  Ok("coord", {"request", "open", "--category", "care", "--title", "<b>楼道灯坏了</b>", "--for",
               chen, "--urgency", "emergency"});

  const std::string chen_page = "/members/" + chen;
  const std::string evil_page = "/members/" + evil;
  const std::vector<std::string> paths{"/",         "/catalogue", "/reports", "/leaderboard",
                                       "/requests", "/members",   chen_page,  evil_page};
  const json::array pages = Visit(paths);
  ASSERT_EQ(pages.size(), paths.size() * 4);

  const std::set<std::string> names_people_see{"/members", "/leaderboard", evil_page};
  for (const auto& p : pages) {
    const auto& page = p.as_object();
    const std::string where =
        Str(page.at("path")) + " " + Str(page.at("lang")) + " " + Str(page.at("viewport"));
    EXPECT_EQ(U64(page.at("status")), 200u) << where;
    EXPECT_EQ(Str(page.at("htmlLang")), Str(page.at("lang")) == "zh" ? "zh-CN" : "en") << where;
    // A hostile name or title is text: no dialog, no script but the node's own.
    EXPECT_TRUE(page.at("dialogs").as_array().empty()) << where;
    EXPECT_TRUE(page.at("csp").as_array().empty()) << where << json::serialize(page.at("csp"));
    ASSERT_EQ(page.at("scripts").as_array().size(), 1u) << where;
    EXPECT_EQ(Str(page.at("scripts").as_array()[0]), Url() + "/assets/site.js") << where;
    const auto& headers = page.at("headers").as_object();
    EXPECT_NE(Str(headers.at("content-security-policy")).find("script-src 'self'"),
              std::string::npos);
    EXPECT_NE(Str(headers.at("content-security-policy")).find("frame-ancestors 'none'"),
              std::string::npos);
    EXPECT_EQ(Str(headers.at("x-frame-options")), "DENY");
    if (names_people_see.contains(Str(page.at("path")))) {
      EXPECT_NE(Str(page.at("text")).find(kEvilName), std::string::npos) << where;
    }
    // Elder-friendly: text of 18 px or more, targets of 48 px or more, no sideways
    // scrolling on a phone.
    EXPECT_GE(page.at("smallestText").at("px").to_number<double>(), 18.0)
        << where << json::serialize(page.at("smallestText"));
    EXPECT_GE(page.at("smallestTarget").at("size").to_number<double>(), 48.0)
        << where << json::serialize(page.at("smallestTarget"));
    EXPECT_LE(page.at("overflowPx").to_number<double>(), 0.0) << where;
    for (const auto& v : page.at("axe").as_array()) {
      const std::string impact = v.at("impact").is_string() ? Str(v.at("impact")) : "";
      EXPECT_TRUE(impact != "serious" && impact != "critical")
          << where << ": axe " << json::serialize(v);
    }
  }

  // Chinese by default, English by the switch, both from the one catalogue.
  EXPECT_EQ(Str(Find(pages, "/leaderboard", "zh", "desktop")->at("h1")), "光荣榜");
  EXPECT_EQ(Str(Find(pages, "/leaderboard", "en", "desktop")->at("h1")), "Leaderboard");
  EXPECT_EQ(Str(Find(pages, chen_page, "zh", "desktop")->at("h1")), "陈阿姨");

  // The leaderboard is the wallet's.
  const auto board = Ok("coord", {"report", "leaderboard"});
  const auto& board_rows = board.at("rows").as_array();
  const auto& page_board = Rows(*Find(pages, "/leaderboard", "zh", "desktop"), "leaderboard");
  ASSERT_EQ(page_board.size(), board_rows.size());
  ASSERT_GE(board_rows.size(), 1u);  // two, unless the earlier hour fell in last month
  for (std::size_t i = 0; i < board_rows.size(); ++i) {
    EXPECT_EQ(Cell(page_board[i], "rank"), std::to_string(U64(board_rows[i].at("rank"))));
    EXPECT_EQ(Cell(page_board[i], "name"), Str(board_rows[i].at("name")));
    EXPECT_EQ(Cell(page_board[i], "minutes"), std::to_string(U64(board_rows[i].at("minutes"))));
    EXPECT_EQ(Cell(page_board[i], "points"), std::to_string(U64(board_rows[i].at("points"))));
  }
  std::uint64_t board_minutes = 0;
  for (const auto& row : board_rows) board_minutes += U64(row.at("minutes"));

  // Hours by category are the wallet's report.
  const auto hours = Ok("coord", {"report", "hours", "--by", "category"});
  const auto& page_hours = Rows(*Find(pages, "/reports", "en", "desktop"), "hours");
  ASSERT_EQ(page_hours.size(), hours.at("rows").as_array().size());
  ASSERT_EQ(page_hours.size(), 2u);
  for (std::size_t i = 0; i < page_hours.size(); ++i) {
    const auto& row = hours.at("rows").as_array()[i];
    EXPECT_EQ(Cell(page_hours[i], "group"), Str(row.at("group")));
    EXPECT_EQ(Cell(page_hours[i], "minutes"), std::to_string(U64(row.at("minutes"))));
    EXPECT_EQ(Cell(page_hours[i], "points"), std::to_string(U64(row.at("points"))));
    EXPECT_EQ(Cell(page_hours[i], "volunteers"), std::to_string(U64(row.at("volunteers"))));
  }

  // The catalogue and its stock, in words beside the numbers.
  const auto& page_items = Rows(*Find(pages, "/catalogue", "zh", "desktop"), "catalogue");
  ASSERT_EQ(page_items.size(), 2u);
  const auto catalog = Ok("coord", {"catalog", "list", "--all"});
  ASSERT_EQ(catalog.at("items").as_array().size(), 2u);
  for (const auto& item : catalog.at("items").as_array()) {
    bool shown = false;
    for (const auto& row : page_items) {
      if (Cell(row, "name") != Str(item.at("name"))) continue;
      shown = true;
      EXPECT_EQ(Cell(row, "price"), std::to_string(U64(item.at("price"))));
      EXPECT_EQ(Cell(row, "stock"), std::to_string(U64(item.at("stock"))));
      EXPECT_EQ(Cell(row, "state"), U64(item.at("stock")) > 0 ? "available" : "out_of_stock");
    }
    EXPECT_TRUE(shown) << Str(item.at("name"));
  }
  EXPECT_NE(Str(Find(pages, "/catalogue", "zh", "desktop")->at("text")).find("缺货"),
            std::string::npos);

  // The open request, and the start page's counts of what waits.
  const auto requests = Ok("coord", {"request", "list"});
  const auto& page_requests = Rows(*Find(pages, "/requests", "zh", "desktop"), "requests");
  ASSERT_EQ(page_requests.size(), U64(requests.at("total")));
  ASSERT_EQ(page_requests.size(), 1u);
  EXPECT_EQ(Cell(page_requests[0], "title"), "<b>楼道灯坏了</b>");
  EXPECT_EQ(Cell(page_requests[0], "urgency"), "emergency");
  const auto& start_page = *Find(pages, "/", "zh", "phone");
  EXPECT_EQ(Cell(Rows(start_page, "waiting")[0], "open_requests"), "1");
  EXPECT_EQ(Cell(Rows(start_page, "month")[0], "minutes"), std::to_string(board_minutes));

  // A member's page: the wallet's balance and minutes, and their history.
  const auto balance = Ok("chen", {"balance"});
  EXPECT_EQ(U64(balance.at("minutes")), 150u);
  const auto& facts = Rows(*Find(pages, chen_page, "zh", "desktop"), "account")[0];
  EXPECT_EQ(Cell(facts, "minutes"), std::to_string(U64(balance.at("minutes"))));
  EXPECT_EQ(Cell(facts, "balance"), std::to_string(I64(balance.at("balance"))));
  const auto& history = Rows(*Find(pages, chen_page, "en", "desktop"), "history");
  const auto wallet_history = Ok("chen", {"history"});
  EXPECT_EQ(history.size(), wallet_history.at("entries").as_array().size());

  // Members by name as a notice board lists them: punctuation first (CLDR), then 陈
  // (chen) before the Latin names.
  const auto& members = Rows(*Find(pages, "/members", "zh", "desktop"), "members");
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(Cell(members[0], "name"), kEvilName);
  EXPECT_EQ(Cell(members[1], "name"), "陈阿姨");
  EXPECT_EQ(Cell(members[2], "name"), "coord");
  EXPECT_EQ(Cell(members[3], "name"), "station");

  // The print buttons appear where people print.
  EXPECT_GE(U64(Find(pages, "/leaderboard", "zh", "desktop")->at("printButtons")), 1u);
}

}  // namespace
}  // namespace lovebank
