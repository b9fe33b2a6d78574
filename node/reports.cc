#include "node/reports.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <tuple>

#include "i18n/collate.h"
#include "ledger/rules.h"

namespace lovebank::node {

using namespace ledger;
namespace chrono = std::chrono;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : (a - b + 1) / b; }

chrono::year_month_day LocalDay(std::int64_t ms, std::int32_t offset) {
  std::int64_t local = ms + std::int64_t{offset} * 60'000;
  return chrono::year_month_day(chrono::sys_days(chrono::days(FloorDiv(local, kDayMs))));
}

std::int64_t LocalMidnightMs(chrono::year_month_day day, std::int32_t offset) {
  std::int64_t days = chrono::sys_days(day).time_since_epoch().count();
  return days * kDayMs - std::int64_t{offset} * 60'000;
}

}  // namespace

std::optional<GroupBy> GroupByFromName(std::string_view name) {
  if (name == "team") return GroupBy::kTeam;
  if (name == "grid") return GroupBy::kGrid;
  if (name == "building") return GroupBy::kBuilding;
  if (name == "category") return GroupBy::kCategory;
  if (name == "month") return GroupBy::kMonth;
  return std::nullopt;
}

std::string LocalMonth(std::int64_t ms, std::int32_t offset) {
  auto day = LocalDay(ms, offset);
  return fmt::format("{:04}-{:02}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()));
}

std::optional<std::int64_t> ParseLocalDate(std::string_view date, std::int32_t offset) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (date[i] < '0' || date[i] > '9') return std::nullopt;
  }
  y = std::stoi(std::string(date.substr(0, 4)));
  m = static_cast<unsigned>(std::stoi(std::string(date.substr(5, 2))));
  d = static_cast<unsigned>(std::stoi(std::string(date.substr(8, 2))));
  chrono::year_month_day day{chrono::year(y), chrono::month(m), chrono::day(d)};
  if (!day.ok()) return std::nullopt;
  return LocalMidnightMs(day, offset);
}

std::pair<std::int64_t, std::int64_t> LocalPeriod(std::int64_t at_ms, bool year,
                                                  std::int32_t offset) {
  auto day = LocalDay(at_ms, offset);
  if (year) {
    chrono::year_month_day start{day.year(), chrono::January, chrono::day(1)};
    chrono::year_month_day end{day.year() + chrono::years(1), chrono::January, chrono::day(1)};
    return {LocalMidnightMs(start, offset), LocalMidnightMs(end, offset)};
  }
  chrono::year_month start_month = day.year() / day.month();
  chrono::year_month end_month = start_month + chrono::months(1);
  return {LocalMidnightMs(start_month / chrono::day(1), offset),
          LocalMidnightMs(end_month / chrono::day(1), offset)};
}

std::vector<HoursRow> HoursReport(const LedgerState& state, GroupBy by, std::int64_t from_ms,
                                  std::int64_t to_ms) {
  std::int32_t offset = state.genesis().policy.utc_offset_minutes;
  struct Acc {
    HoursRow row;
    std::set<PublicKey> volunteers;
  };
  std::map<std::string, Acc> groups;
  std::map<PublicKey, std::optional<Profile>> profiles;  // cache per account
  state.ForEachCredit([&](const ServiceCredit& c) {
    auto start = static_cast<std::int64_t>(c.start_ms);
    if (start < from_ms || start >= to_ms) return;
    std::vector<std::string> keys;
    auto profile = [&]() -> const std::optional<Profile>& {
      auto it = profiles.find(c.account);
      if (it == profiles.end()) {
        auto account = state.Account(c.account);
        it = profiles.emplace(c.account, account ? account->profile : std::nullopt).first;
      }
      return it->second;
    };
    auto or_none = [](const std::string& s) { return s.empty() ? std::string("(none)") : s; };
    switch (by) {
      case GroupBy::kCategory: keys.push_back(c.category); break;
      case GroupBy::kMonth: keys.push_back(LocalMonth(start, offset)); break;
      case GroupBy::kGrid: keys.push_back(profile() ? or_none(profile()->grid) : "(none)"); break;
      case GroupBy::kBuilding:
        keys.push_back(profile() ? or_none(profile()->building) : "(none)");
        break;
      case GroupBy::kTeam:
        if (profile() && !profile()->teams.empty()) {
          keys = profile()->teams;
        } else {
          keys.push_back("(none)");
        }
        break;
    }
    for (const auto& key : keys) {
      Acc& acc = groups[key];
      acc.row.minutes += c.minutes;
      acc.row.points += c.points;
      acc.row.entries += 1;
      acc.volunteers.insert(c.account);
    }
  });
  std::vector<HoursRow> out;
  for (auto& [key, acc] : groups) {
    acc.row.group = key;
    acc.row.volunteers = acc.volunteers.size();
    out.push_back(std::move(acc.row));
  }
  return out;
}

namespace {

// The mean and the 90th percentile (nearest rank) of some durations.
std::pair<std::uint64_t, std::uint64_t> MeanAndP90(std::vector<std::uint64_t> v) {
  if (v.empty()) return {0, 0};
  std::sort(v.begin(), v.end());
  long double sum = 0;
  for (auto x : v) sum += static_cast<long double>(x);
  const std::size_t rank = (v.size() * 9 + 9) / 10;  // ceil(0.9 n), 1-based
  return {static_cast<std::uint64_t>(sum / static_cast<long double>(v.size()) + 0.5L), v[rank - 1]};
}

}  // namespace

std::vector<RequestsRow> RequestsReport(const LedgerState& state, GroupBy by, std::int64_t from_ms,
                                        std::int64_t to_ms) {
  const std::int32_t offset = state.genesis().policy.utc_offset_minutes;
  struct Acc {
    RequestsRow row;
    std::vector<std::uint64_t> take, resolve;
    std::uint64_t rating_sum = 0;
  };
  std::map<std::string, Acc> groups;
  auto or_none = [](const std::string& s) { return s.empty() ? std::string("(none)") : s; };
  for (const RequestView& r : state.Requests()) {
    const auto opened = static_cast<std::int64_t>(r.opened_ms);
    if (!r.counts || opened < from_ms || opened >= to_ms) continue;
    std::string key;
    switch (by) {
      case GroupBy::kGrid:
        key = or_none(r.open.grid);
        break;
      case GroupBy::kBuilding:
        key = or_none(r.open.building);
        break;
      case GroupBy::kCategory:
        key = r.open.category;
        break;
      case GroupBy::kMonth:
        key = LocalMonth(opened, offset);
        break;
      case GroupBy::kTeam:
        key = "(none)";
        break;  // requests belong to no team
    }
    Acc& acc = groups[key];
    acc.row.opened += 1;
    const RequestDeadlines due =
        DeadlinesFor(state.genesis().policy, r.open.category, r.open.urgency);
    auto since = [&](std::uint64_t at) { return at > r.opened_ms ? at - r.opened_ms : 0; };
    if (!r.taken_ms.empty()) {
      const std::uint64_t took = since(*std::min_element(r.taken_ms.begin(), r.taken_ms.end()));
      acc.row.taken += 1;
      acc.row.taken_in_time += took <= due.take_ms;
      acc.take.push_back(took);
    }
    const auto& done = r.credited.empty() ? r.resolves : r.credited;
    std::optional<std::uint64_t> first_done;
    for (const EntryId& id : done) {
      if (const VerifiedEntry* v = state.Find(id)) {
        const std::uint64_t at = v->entry.timestamp_ms;
        first_done = std::min(first_done.value_or(at), at);
      }
    }
    if (first_done) {
      const std::uint64_t took = since(*first_done);
      acc.row.resolved += 1;
      acc.row.resolved_in_time += took <= due.resolve_ms;
      acc.resolve.push_back(took);
    }
    if (r.state == RequestView::State::kConfirmed) {
      acc.row.confirmed += 1;
      acc.row.by_steward += r.confirmed_by_steward;
    }
    if (r.rating) {
      acc.row.rated += 1;
      acc.row.satisfied += *r.rating >= 4;
      acc.rating_sum += *r.rating;
    }
  }
  std::vector<RequestsRow> out;
  for (auto& [key, acc] : groups) {
    acc.row.group = key;
    std::tie(acc.row.take_mean_ms, acc.row.take_p90_ms) = MeanAndP90(std::move(acc.take));
    std::tie(acc.row.resolve_mean_ms, acc.row.resolve_p90_ms) = MeanAndP90(std::move(acc.resolve));
    if (acc.row.rated) {
      acc.row.mean_rating =
          static_cast<double>(acc.rating_sum) / static_cast<double>(acc.row.rated);
    }
    out.push_back(std::move(acc.row));
  }
  return out;
}

std::vector<LeaderRow> Leaderboard(const LedgerState& state, std::int64_t from_ms,
                                   std::int64_t to_ms, std::size_t limit) {
  std::map<PublicKey, LeaderRow> by_account;
  state.ForEachCredit([&](const ServiceCredit& c) {
    auto start = static_cast<std::int64_t>(c.start_ms);
    if (start < from_ms || start >= to_ms) return;
    LeaderRow& row = by_account[c.account];
    row.account = c.account;
    row.minutes += c.minutes;
    row.points += c.points;
  });
  std::vector<LeaderRow> rows;
  for (auto& [account, row] : by_account) {
    auto info = state.Account(account);
    if (info && info->profile) row.name = info->profile->name;
    rows.push_back(row);
  }
  // Most minutes first; a tie by name as a roster reads (pinyin), then by account.
  std::sort(rows.begin(), rows.end(), [](const LeaderRow& a, const LeaderRow& b) {
    if (a.minutes != b.minutes) return a.minutes > b.minutes;
    if (a.name != b.name) return i18n::NameLess(a.name, b.name);
    return a.account < b.account;
  });
  if (rows.size() > limit) rows.resize(limit);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].rank = (i > 0 && rows[i].minutes == rows[i - 1].minutes)
                       ? rows[i - 1].rank
                       : static_cast<std::uint32_t>(i + 1);
  }
  return rows;
}

}  // namespace lovebank::node
