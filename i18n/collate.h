// The order people expect names in: Chinese names by pinyin, as a roster on a
// community notice board lists them, then Latin names alphabetically (the CLDR "zh"
// collation, from ICU, which puts Han script before Latin). One order in both languages, so that
// a list reads the same whichever language shows it.
#pragma once

#include <string_view>

namespace lovebank::i18n {

// Whether `a` comes before `b` in that order; text that is equal under it falls back
// to byte order, so the order is total. Thread-safe.
bool NameLess(std::string_view a, std::string_view b);

}  // namespace lovebank::i18n
