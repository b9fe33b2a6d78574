// "Did you mean ...?": the name a person most likely meant when they typed one that
// does not exist (a command, a subcommand, a category).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lovebank {

// The optimal string alignment distance: insertions, deletions, substitutions and
// swaps of two neighbouring characters, each costing 1. Bytes, not characters: the
// names it compares are ASCII.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The one name closest to `typed`, if it is close enough to be what was meant: within
// 1 edit of a word of up to 4 letters, 2 of a longer one, or `typed` a prefix of
// exactly one name. nullopt when nothing is that close, or two names are equally so.
std::optional<std::string> Nearest(std::string_view typed, const std::vector<std::string>& names);

}  // namespace lovebank
