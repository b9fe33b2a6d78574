#include "base/clock.h"

#include <chrono>
#include <cstdio>

namespace lovebank {

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string LocalTime(std::uint64_t ms, std::int32_t utc_offset_minutes) {
  namespace chrono = std::chrono;
  std::int64_t local = static_cast<std::int64_t>(ms) + std::int64_t{utc_offset_minutes} * 60'000;
  auto tp = chrono::sys_time<chrono::milliseconds>(chrono::milliseconds(local));
  auto day = chrono::floor<chrono::days>(tp);
  chrono::year_month_day ymd(day);
  chrono::hh_mm_ss hms(chrono::floor<chrono::minutes>(tp - day));
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u %02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return out;
}

}  // namespace lovebank
