#include "i18n/zone.h"

#include <fmt/format.h>
#include <unicode/locid.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <memory>

namespace lovebank::i18n {

std::optional<Zone> LookUpZone(std::string_view name) {
  if (name.empty()) return std::nullopt;
  icu::UnicodeString id = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<std::int32_t>(name.size())));
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(id));
  // ICU answers an unknown name with the "Etc/Unknown" zone, not with an error.
  if (!zone || *zone == icu::TimeZone::getUnknown()) return std::nullopt;
  icu::UnicodeString canonical;
  UBool system = false;
  UErrorCode status = U_ZERO_ERROR;
  icu::TimeZone::getCanonicalID(id, canonical, system, status);
  if (U_FAILURE(status) || !system) return std::nullopt;
  Zone out;
  canonical.toUTF8String(out.id);
  out.offset_minutes = zone->getRawOffset() / 60'000;
  out.changes_clocks = zone->useDaylightTime();
  return out;
}

std::string ZoneDisplayName(std::string_view name, Lang lang) {
  icu::UnicodeString id = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<std::int32_t>(name.size())));
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(id));
  if (!zone || *zone == icu::TimeZone::getUnknown()) return std::string(name);
  icu::UnicodeString display;
  zone->getDisplayName(false, icu::TimeZone::LONG,
                       lang == Lang::kZh ? icu::Locale::getChinese() : icu::Locale::getEnglish(),
                       display);
  std::string out;
  display.toUTF8String(out);
  return out.empty() ? std::string(name) : out;
}

std::string OffsetName(std::int32_t offset_minutes) {
  const char sign = offset_minutes < 0 ? '-' : '+';
  const std::int32_t m = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  return fmt::format("UTC{}{:02}:{:02}", sign, m / 60, m % 60);
}

}  // namespace lovebank::i18n
