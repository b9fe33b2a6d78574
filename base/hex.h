// Lower-case hexadecimal, the way keys and ids are shown to people and in JSON.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.h"

namespace lovebank {

std::string ToHex(ByteView bytes);

// The bytes spelled by `hex` (either case), or nullopt if it is not valid hex.
std::optional<Bytes> FromHex(std::string_view hex);

template <std::size_t N, class Tag>
std::string ToHex(const FixedBytes<N, Tag>& value) {
  return ToHex(value.view());
}

// The first 12 hex digits: how keys and entry ids are shown in lines for people.
template <std::size_t N, class Tag>
std::string ShortHex(const FixedBytes<N, Tag>& value) {
  return ToHex(value.view()).substr(0, 12);
}

// A fixed value from hex, or nullopt if the text is not hex or not N bytes long.
template <class Fixed>
std::optional<Fixed> FixedFromHex(std::string_view hex) {
  auto bytes = FromHex(hex);
  if (!bytes) return std::nullopt;
  return Fixed::FromView(*bytes);
}

}  // namespace lovebank
