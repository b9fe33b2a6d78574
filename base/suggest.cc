#include "base/suggest.h"

#include <algorithm>

namespace lovebank {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programme: two back for a swap of neighbours.
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> Nearest(std::string_view typed, const std::vector<std::string>& names) {
  if (typed.empty()) return std::nullopt;
  const std::size_t allowed = typed.size() <= 4 ? 1 : 2;
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  bool tie = false;
  for (const auto& name : names) {
    const std::size_t d = EditDistance(typed, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
      tie = false;
    } else if (d == best_distance && best != name) {
      tie = true;
    }
  }
  if (best && !tie) return best;
  // Nothing close by edits: the start of exactly one name ("mem" for "member").
  std::optional<std::string> prefixed;
  for (const auto& name : names) {
    if (name.size() > typed.size() && std::string_view(name).starts_with(typed)) {
      if (prefixed && *prefixed != name) return std::nullopt;
      prefixed = name;
    }
  }
  return prefixed;
}

}  // namespace lovebank
