// Small pieces every rule family of the ledger state uses: hash maps keyed by keys
// and ids, saturating sums, the sorted-map append, and the byte writer of the state
// hash and the trial's effect snapshots. Private to ledger/internal/state/.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/bytes.h"
#include "ledger/entry.h"

namespace lovebank::ledger::internal {

template <class V>
using KeyMap = std::unordered_map<PublicKey, V, FixedBytesHash>;
template <class V>
using IdMap = std::unordered_map<EntryId, V, FixedBytesHash>;
using IdSet = std::unordered_set<EntryId, FixedBytesHash>;

inline constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;

// Sums of signed amounts a hostile author controls saturate instead of wrapping.
inline std::uint64_t SaturatingAdd(std::uint64_t a, std::uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

// map[key], but an insert at the end takes the hint and skips the tree walk. Chains,
// service intervals and days mostly grow at the end, and at a million entries a
// walk down a tree is a chain of cache misses.
template <class Map, class Key>
typename Map::mapped_type& Slot(Map& map, const Key& key) {
  if (map.empty() || map.rbegin()->first < key) {
    return map.emplace_hint(map.end(), key, typename Map::mapped_type{})->second;
  }
  return map[key];
}

// Takes `value` out of the list map[key], and the key out of the map when its list is
// left empty: how a family forgets an entry a trial undoes.
template <class Map, class Key, class T>
void EraseFromList(Map& map, const Key& key, const T& value) {
  auto it = map.find(key);
  if (it == map.end()) return;
  std::erase(it->second, value);
  if (it->second.empty()) map.erase(it);
}

// Length-prefixed big-endian fields, the encoding docs/storage.md gives the state hash.
class Writer {
 public:
  void U64(std::uint64_t v) { AppendBigEndian64(out, v); }
  void Str(ByteView s) {
    AppendBigEndian32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
  }
  template <std::size_t N, class T>
  void Fixed(const FixedBytes<N, T>& f) {
    out.append(f.view());
  }
  Bytes out;
};

}  // namespace lovebank::ledger::internal
