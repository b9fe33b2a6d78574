// Reports over credited service: hours by team, grid, building, category or month,
// and the leaderboard of a month or year. Computed from the settled state's credits
// (LedgerState::ForEachCredit), so a report always agrees with balances and minutes.
// Dates are the community's local dates (the genesis policy's UTC offset).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/state.h"

namespace lovebank::node {

enum class GroupBy { kTeam, kGrid, kBuilding, kCategory, kMonth };
std::optional<GroupBy> GroupByFromName(std::string_view name);

struct HoursRow {
  std::string group;  // "(none)" for members without that profile field
  std::uint64_t minutes = 0;
  std::uint64_t points = 0;
  std::uint64_t volunteers = 0;  // distinct accounts
  std::uint64_t entries = 0;     // credited intervals
};

// Service started in [from_ms, to_ms). A member in several teams counts in each.
std::vector<HoursRow> HoursReport(const ledger::LedgerState& state, GroupBy by,
                                  std::int64_t from_ms, std::int64_t to_ms);

struct LeaderRow {
  std::uint32_t rank = 0;  // equal minutes share a rank
  ledger::PublicKey account;
  std::string name;
  std::uint64_t minutes = 0;
  std::uint64_t points = 0;
};

std::vector<LeaderRow> Leaderboard(const ledger::LedgerState& state, std::int64_t from_ms,
                                   std::int64_t to_ms, std::size_t limit);

// How help requests opened in [from_ms, to_ms) fared, grouped by the grid, building
// or category they name or the local month they were opened in. Times run from the
// open to the first counting take, and to the first resolve a confirmation credited
// (or, with none credited yet, the first resolve); deadlines are those of its urgency.
struct RequestsRow {
  std::string group;
  std::uint64_t opened = 0;
  std::uint64_t taken = 0, taken_in_time = 0;
  std::uint64_t resolved = 0, resolved_in_time = 0;
  std::uint64_t confirmed = 0, by_steward = 0;  // by_steward: a coordinator confirmed (代确认)
  std::uint64_t take_mean_ms = 0, take_p90_ms = 0;        // over the taken
  std::uint64_t resolve_mean_ms = 0, resolve_p90_ms = 0;  // over the resolved
  std::uint64_t rated = 0, satisfied = 0;  // confirmations with a rating; rated 4 or 5
  double mean_rating = 0;                  // 0 when none is rated
};
std::vector<RequestsRow> RequestsReport(const ledger::LedgerState& state, GroupBy by,
                                        std::int64_t from_ms, std::int64_t to_ms);

// Unix ms of local midnight starting "YYYY-MM-DD", or nullopt if not a date.
std::optional<std::int64_t> ParseLocalDate(std::string_view date, std::int32_t utc_offset_minutes);
// [start, end) in Unix ms of the local month ("YYYY-MM") or year ("YYYY") containing
// `at_ms`.
std::pair<std::int64_t, std::int64_t> LocalPeriod(std::int64_t at_ms, bool year,
                                                  std::int32_t utc_offset_minutes);
// "YYYY-MM" of `ms` in local time.
std::string LocalMonth(std::int64_t ms, std::int32_t utc_offset_minutes);

}  // namespace lovebank::node
