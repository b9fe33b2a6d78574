// Time zones by name, from ICU's copy of the IANA tz database: what a community names
// when it is founded, and what people read beside a time ("中国标准时间" in Chinese,
// "China Standard Time" in English).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "i18n/i18n.h"

namespace lovebank::i18n {

struct Zone {
  std::string id;               // the canonical IANA name, e.g. "Asia/Shanghai"
  std::int32_t offset_minutes;  // its standard offset from UTC
  bool changes_clocks;          // daylight saving time, now or in the future
};

// The zone called `name` (an IANA name such as "Asia/Shanghai"), or nullopt if there is
// none by that name.
std::optional<Zone> LookUpZone(std::string_view name);

// The zone's name for people in `lang` (its standard-time long name), or the IANA
// name if ICU has none.
std::string ZoneDisplayName(std::string_view name, Lang lang);

// "UTC+08:00" for 480.
std::string OffsetName(std::int32_t offset_minutes);

}  // namespace lovebank::i18n
