// Byte vocabulary shared by every module.
//
// `Bytes` owns a byte string and `ByteView` borrows one. They are std::string and
// std::string_view so that bytes move to and from protobuf and RocksDB without copies;
// they never carry text. Fixed-size values (keys, signatures, ids) get their own
// strong types built on FixedBytes, so a signature can never be passed as a key.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lovebank {

using Bytes = std::string;
using ByteView = std::string_view;

// N bytes with a tag type that makes each use distinct (PublicKey != EntryId).
// Ordered and compared bytewise, so std::map iterates in the canonical order the
// state hash relies on.
template <std::size_t N, class Tag>
class FixedBytes {
 public:
  static constexpr std::size_t kSize = N;

  constexpr FixedBytes() : bytes_{} {}

  // The value held in `view`, or nullopt if it is not exactly N bytes long.
  static std::optional<FixedBytes> FromView(ByteView view) {
    if (view.size() != N) return std::nullopt;
    FixedBytes out;
    std::memcpy(out.bytes_.data(), view.data(), N);
    return out;
  }

  // Reinterprets another fixed value of the same size (say a Digest as an EntryId).
  template <class OtherTag>
  static FixedBytes From(const FixedBytes<N, OtherTag>& other) {
    FixedBytes out;
    std::memcpy(out.bytes_.data(), other.data(), N);
    return out;
  }

  const std::uint8_t* data() const { return bytes_.data(); }
  std::uint8_t* data() { return bytes_.data(); }
  static constexpr std::size_t size() { return N; }
  ByteView view() const { return ByteView(reinterpret_cast<const char*>(bytes_.data()), N); }
  Bytes ToBytes() const { return Bytes(view()); }
  bool IsZero() const {
    for (auto b : bytes_) {
      if (b != 0) return false;
    }
    return true;
  }

  friend auto operator<=>(const FixedBytes&, const FixedBytes&) = default;
  friend bool operator==(const FixedBytes&, const FixedBytes&) = default;

 private:
  std::array<std::uint8_t, N> bytes_;
};

// Hash for unordered containers. Only for values that are already uniformly random
// (keys, hashes): it takes the first 8 bytes as they are.
struct FixedBytesHash {
  template <std::size_t N, class Tag>
  std::size_t operator()(const FixedBytes<N, Tag>& value) const {
    static_assert(N >= sizeof(std::size_t));
    std::size_t out;
    std::memcpy(&out, value.data(), sizeof(out));
    return out;
  }
};

// Fixed-width big-endian integers: byte order equals numeric order, which RocksDB keys
// need.
inline void AppendBigEndian64(Bytes& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}
inline void AppendBigEndian32(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}
inline std::uint64_t ReadBigEndian64(ByteView in) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<std::uint8_t>(in[i]);
  return value;
}
inline std::uint32_t ReadBigEndian32(ByteView in) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<std::uint8_t>(in[i]);
  return value;
}

// Little-endian, for the export file's framing (docs/export-format.md).
inline void AppendLittleEndian32(Bytes& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}
inline void AppendLittleEndian64(Bytes& out, std::uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) out.push_back(static_cast<char>(value >> shift));
}
// The first `width` bytes of `in` (at most 8) as a little-endian integer.
inline std::uint64_t ReadLittleEndian(ByteView in, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t i = width; i > 0; --i)
    value = (value << 8) | static_cast<std::uint8_t>(in[i - 1]);
  return value;
}

}  // namespace lovebank
