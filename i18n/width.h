// How wide text is on a terminal: East Asian wide and fullwidth characters (汉字,
// fullwidth punctuation) take two columns, combining marks and zero-width characters
// none, everything else one (Unicode's East Asian Width, UAX #11, from ICU).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lovebank::i18n {

// Columns `utf8` takes on a terminal. Bytes that are not UTF-8 count one column each.
std::size_t DisplayWidth(std::string_view utf8);

// `utf8` cut to at most `columns` columns, ending in "…" when something was cut; never
// splits a character.
std::string Truncate(std::string_view utf8, std::size_t columns);

// `utf8` padded with spaces to `columns` columns (on the right, or on the left when
// `right_align`); text already as wide is returned as it is.
std::string Pad(std::string_view utf8, std::size_t columns, bool right_align = false);

}  // namespace lovebank::i18n
