#include "i18n/width.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

namespace lovebank::i18n {
namespace {

int CodePointWidth(UChar32 c) {
  if (c == 0) return 0;
  // Combining marks, enclosing marks and format characters (zero width space, joiners)
  // take no column of their own.
  const auto category = static_cast<UCharCategory>(u_charType(c));
  if (category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK || category == U_FORMAT_CHAR) {
    return 0;
  }
  const auto eaw = static_cast<UEastAsianWidth>(u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH));
  return eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH ? 2 : 1;
}

// The next character of `s` from byte `i`: its width, with `i` moved past it. A byte
// that does not start valid UTF-8 is one column and one byte.
int Next(std::string_view s, std::int32_t& i) {
  UChar32 c = 0;
  const auto length = static_cast<std::int32_t>(s.size());
  const std::int32_t start = i;
  U8_NEXT(reinterpret_cast<const std::uint8_t*>(s.data()), i, length, c);
  if (c < 0) {
    i = start + 1;
    return 1;
  }
  return CodePointWidth(c);
}

}  // namespace

std::size_t DisplayWidth(std::string_view utf8) {
  std::size_t columns = 0;
  std::int32_t i = 0;
  while (static_cast<std::size_t>(i) < utf8.size())
    columns += static_cast<std::size_t>(Next(utf8, i));
  return columns;
}

std::string Truncate(std::string_view utf8, std::size_t columns) {
  if (DisplayWidth(utf8) <= columns) return std::string(utf8);
  if (columns == 0) return {};
  // Room for the ellipsis, one column.
  std::size_t used = 0;
  std::int32_t i = 0;
  std::int32_t keep = 0;
  while (static_cast<std::size_t>(i) < utf8.size()) {
    const auto w = static_cast<std::size_t>(Next(utf8, i));
    if (used + w > columns - 1) break;
    used += w;
    keep = i;
  }
  return std::string(utf8.substr(0, static_cast<std::size_t>(keep))) + "\u2026";
}

std::string Pad(std::string_view utf8, std::size_t columns, bool right_align) {
  const std::size_t width = DisplayWidth(utf8);
  if (width >= columns) return std::string(utf8);
  std::string pad(columns - width, ' ');
  return right_align ? pad + std::string(utf8) : std::string(utf8) + pad;
}

}  // namespace lovebank::i18n
