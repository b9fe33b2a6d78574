#include "wallet-cli/account_commands.h"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <utility>

#include "base/hex.h"
#include "i18n/i18n.h"
#include "i18n/width.h"
#include "wallet-cli/command_kit.h"
#include "wallet-cli/output.h"

namespace lovebank::wallet {

using namespace lovebank::ledger;
using i18n::F;
using i18n::T;
namespace json = boost::json;
namespace {

// "2026-03" -> its first day and the first day of the next month.
std::optional<std::pair<std::string, std::string>> MonthDays(const std::string& month) {
  int y = 0, m = 0;
  char tail = 0;
  if (std::sscanf(month.c_str(), "%4d-%2d%c", &y, &m, &tail) != 2 || month.size() != 7 || m < 1 ||
      m > 12 || y < 1970 || y > 9999) {
    return std::nullopt;
  }
  return std::pair{
      fmt::format("{:04}-{:02}-01", y, m),
      m == 12 ? fmt::format("{:04}-01-01", y + 1) : fmt::format("{:04}-{:02}-01", y, m + 1)};
}

}  // namespace

int Balance(Wallet& w, const std::string& key_text) {
  auto resolved = KeyOrMine(w, key_text);
  if (!resolved) return Fail(w.globals(), resolved.error());
  const PublicKey& key = *resolved;
  auto a = w.Get("/v1/accounts/" + ToHex(key));
  if (!a) return Fail(w.globals(), a.error());
  std::string name = NameOr(a->at("name"), ToHex(key));
  // What the person can still spend: every debit they signed counts against it, so a
  // rejected claim whose points were already spent shows as a debt, not as points that
  // every transfer would then be refused.
  std::string text = name + "\n" + Field(T("points"), std::to_string(U64(a->at("spendable"))));
  if (std::uint64_t unfunded = U64(a->at("unfunded_points"))) {
    std::uint64_t earned = U64(a->at("service_points")) + U64(a->at("received_points"));
    std::uint64_t owed = U64(a->at("spent_points")) + unfunded;
    if (owed > earned) {
      text +=
          Field("", F("(owes {} points: debits signed but not covered by credits)", owed - earned));
    }
  }
  text += Field(T("service"), Hours(U64(a->at("minutes"))));
  for (const auto& [category, minutes] : a->at("minutes_by_category").as_object()) {
    text += Field("", i18n::Pad(std::string(category), 12) + " " + Hours(U64(minutes)));
  }
  text += Field(T("earned"),
                F("{} points from service, {} received, {} spent", U64(a->at("service_points")),
                  U64(a->at("received_points")), U64(a->at("spent_points"))));
  const std::string roles = Roles(*a);
  if (!roles.empty()) text += Field(T("roles"), roles);
  return Done(w.globals(), *a, text);
}

int History(Wallet& w, const HistoryArgs& a) {
  auto resolved = KeyOrMine(w, a.key);
  if (!resolved) return Fail(w.globals(), resolved.error());
  const PublicKey& key = *resolved;
  auto offset = w.UtcOffset();
  if (!offset) return Fail(w.globals(), offset.error());
  std::string target = "/v1/accounts/" + ToHex(key) + "/history?limit=" + std::to_string(a.limit);
  if (!a.from.empty()) target += "&from=" + UrlEncode(a.from);
  if (!a.to.empty()) target += "&to=" + UrlEncode(a.to);
  auto h = w.Get(target);
  if (!h) return Fail(w.globals(), h.error());
  if (a.csv) {
    // For a spreadsheet: whole ids, plain numbers, times with their offset.
    Table csv(
        {T("time"), T("what"), T("points"), T("minutes"), T("entry"), T("status"), T("notes")});
    for (const auto& e : h->at("entries").as_array()) {
      const auto& o = e.as_object();
      csv.Add({LocalTimeWithOffset(U64(o.at("timestamp_ms")), *offset), Describe(o, *offset),
               std::to_string(I64(o.at("effect").at("points"))),
               std::to_string(U64(o.at("effect").at("minutes"))), Str(o.at("id")),
               Str(o.at("status")), DescribeFindings(o)});
    }
    return Done(w.globals(), *h, csv.Csv(a.bom));
  }
  Table table({T("when"), T("what"), T("points"), T("service"), T("entry"), T("notes")});
  for (const auto& e : h->at("entries").as_array()) {
    const auto& o = e.as_object();
    std::int64_t points = I64(o.at("effect").at("points"));
    std::uint64_t minutes = U64(o.at("effect").at("minutes"));
    std::string notes = DescribeFindings(o);
    if (Str(o.at("status")) != "active") {
      notes = StatusWord(Str(o.at("status"))) + (notes.empty() ? "" : " " + notes);
    }
    table.Add({LocalTime(U64(o.at("timestamp_ms")), *offset), Describe(o, *offset),
               points ? fmt::format("{:+}", points) : "", minutes ? Hours(minutes) : "",
               Short(Str(o.at("id"))), notes});
  }
  std::string text = table.empty()
                         ? (a.from.empty() && a.to.empty() ? T("No entries yet.\n")
                                                           : T("No entries in this period.\n"))
                         : table.Render();
  if (U64(h->at("total")) > h->at("entries").as_array().size()) {
    text += F("({} of {} entries; more with --limit)\n", h->at("entries").as_array().size(),
              U64(h->at("total")));
  }
  if (!table.empty()) {
    if (auto zone = w.ZoneLabel()) text += F("Times are {}.\n", *zone);
  }
  return Done(w.globals(), *h, text);
}

// lovebank statement [KEY] [--month YYYY-MM]: a month of an account, as a bank
// statement reads: the balance it opened and closed with, what service earned, what
// came in and went out, every entry of the month, and for a station the gifts it
// handed over by item. Days are the community's; entries count in the month they were
// signed.

int Statement(Wallet& w, const StatementArgs& a) {
  const auto& g = w.globals();
  auto resolved = KeyOrMine(w, a.key);
  if (!resolved) return Fail(g, resolved.error());
  const std::string key = ToHex(*resolved);
  auto offset = w.UtcOffset();
  if (!offset) return Fail(g, offset.error());
  const std::string today = LocalTime(NowMs(), *offset).substr(0, 10);
  const std::string month = a.month.empty() ? today.substr(0, 7) : a.month;
  auto days = MonthDays(month);
  if (!days) return Fail(g, {"usage", T("--month must look like 2026-03")});
  const auto& [first, next] = *days;
  if (first > today) return Fail(g, {"usage", F("{} has not begun yet", month)});
  auto account = w.Get("/v1/accounts/" + key);
  if (!account) return Fail(g, account.error());
  // Everything signed from the month's first day to today: the month's entries, and
  // those after it that take the balance from its close to now.
  auto h = w.Get("/v1/accounts/" + key + "/history?limit=1000&from=" + first + "&to=" + today);
  if (!h) return Fail(g, h.error());
  const auto& entries = h->at("entries").as_array();
  if (U64(h->at("total")) > entries.size()) {
    return Fail(g, {"too_many", F("the account has more than {} entries since {}; a statement "
                                  "cannot be made from the node's history (use `lovebank "
                                  "history --from {} --csv` for the month)",
                                  entries.size(), first, first)});
  }
  std::int64_t after = 0, earned = 0, received = 0, spent = 0;
  std::uint64_t minutes = 0;
  std::map<std::string, std::uint64_t> by_category;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> gifts;  // name -> count, points
  std::map<std::string, std::string> item_names;                         // id -> name
  Table table({T("day"), T("what"), T("points"), T("service"), T("entry")});
  Table csv({T("time"), T("what"), T("points"), T("minutes"), T("entry")});
  json::array listed;
  // Newest first: reversed, the month reads from its first day down.
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const auto& o = it->as_object();
    const std::uint64_t at = U64(o.at("timestamp_ms"));
    const std::string day = LocalTime(at, *offset).substr(0, 10);
    const std::int64_t points = I64(o.at("effect").at("points"));
    const std::uint64_t served = U64(o.at("effect").at("minutes"));
    if (day >= next) {
      after += points;
      continue;
    }
    if (day < first) continue;
    if (served > 0) {
      minutes += served;
      earned += points;
      if (o.contains("category")) by_category[Str(o.at("category"))] += served;
    } else if (points > 0) {
      received += points;
    } else {
      spent -= points;
    }
    if (Str(o.at("kind")) == "fulfil" && Str(o.at("author")) == key) {
      if (item_names.empty()) {
        auto catalog = w.Get("/v1/catalog");
        if (!catalog) return Fail(g, catalog.error());
        for (const auto& i : catalog->at("items").as_array()) {
          item_names[Str(i.at("item"))] = Str(i.at("name"));
        }
      }
      auto redeem = w.Get("/v1/entries/" + Str(o.at("redeem")));
      if (!redeem) return Fail(g, redeem.error());
      const std::string item = Str(redeem->at("item"));
      auto named = item_names.find(item);
      auto& gift = gifts[named != item_names.end() ? named->second : Short(item)];
      ++gift.first;
      gift.second += U64(redeem->at("points"));
    }
    table.Add({day, Describe(o, *offset), points ? fmt::format("{:+}", points) : "",
               served ? Hours(served) : "", Short(Str(o.at("id")))});
    csv.Add({LocalTimeWithOffset(at, *offset), Describe(o, *offset), std::to_string(points),
             std::to_string(served), Str(o.at("id"))});
    listed.push_back(o);
  }
  const std::int64_t now = I64(account->at("balance"));
  const std::int64_t closing = now - after;
  const std::int64_t opening = closing - (earned + received - spent);
  if (a.csv) return Done(g, listed, csv.Csv(a.bom));

  json::object out{{"account", key},
                   {"month", month},
                   {"opening_balance", opening},
                   {"closing_balance", closing},
                   {"minutes", minutes},
                   {"earned", earned},
                   {"received", received},
                   {"spent", spent},
                   {"entries", std::move(listed)}};
  json::object categories, handed;
  for (const auto& [name, m] : by_category) categories[name] = m;
  for (const auto& [name, n] : gifts) handed[name] = {{"count", n.first}, {"points", n.second}};
  out["minutes_by_category"] = std::move(categories);
  out["gifts_handed_over"] = std::move(handed);

  const std::string name = NameOr(account->at("name"), key);
  std::string text = F("Statement of {} for {}\n", name, month);
  text += F("  opening balance  {} points\n", opening);
  std::string detail;
  for (const auto& [category, m] : by_category) {
    detail += (detail.empty() ? "" : ", ") + F("{} {}", category, Hours(m));
  }
  text += F("  service          {} earned {} points{}\n", Hours(minutes), earned,
            detail.empty() ? std::string() : " (" + detail + ")");
  text += F("  received         {} points\n", received);
  text += F("  spent            {} points\n", spent);
  text += F("  closing balance  {} points{}\n", closing,
            next > today ? T(" (the month is not over)") : std::string());
  if (!gifts.empty()) {
    Table handed_table({T("gift"), T("handed out"), T("points")});
    for (const auto& [gift, n] : gifts) {
      handed_table.Add({gift, std::to_string(n.first), std::to_string(n.second)});
    }
    text += T("Gifts handed over at this station:\n") + handed_table.Render();
  }
  text += table.empty() ? T("No entries this month.\n") : table.Render();
  return Done(g, out, text);
}

}  // namespace lovebank::wallet
