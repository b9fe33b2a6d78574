// A 256-bit sum modulo 2^256 of 32-byte values read as little-endian integers.
//
// Sums are order-independent and can be updated in place when one value is added
// or removed, which is what a fingerprint over a changing set needs: the sync index
// keeps the sum of every connected entry id of a chain, and of every chain under a
// key prefix, without rehashing the whole set on each change.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "base/bytes.h"

namespace lovebank {

class Sum256 {
 public:
  // Adds (or subtracts) the 32 bytes at `value`, read as a little-endian integer.
  void Add(const std::uint8_t* value) { Apply(Limbs(value), false); }
  void Subtract(const std::uint8_t* value) { Apply(Limbs(value), true); }
  void Add(const Sum256& other) { Apply(other.limbs_, false); }
  void Subtract(const Sum256& other) { Apply(other.limbs_, true); }

  // The sum as 32 little-endian bytes.
  std::array<std::uint8_t, 32> Bytes32() const {
    std::array<std::uint8_t, 32> out{};
    for (int i = 0; i < 4; ++i) {
      for (int b = 0; b < 8; ++b) out[i * 8 + b] = static_cast<std::uint8_t>(limbs_[i] >> (8 * b));
    }
    return out;
  }

  friend bool operator==(const Sum256&, const Sum256&) = default;

 private:
  using Limbs4 = std::array<std::uint64_t, 4>;
  static Limbs4 Limbs(const std::uint8_t* value) {
    Limbs4 out{};
    for (int i = 0; i < 4; ++i) {
      for (int b = 7; b >= 0; --b) out[i] = (out[i] << 8) | value[i * 8 + b];
    }
    return out;
  }
  void Apply(const Limbs4& v, bool subtract) {
    std::uint64_t carry = 0;
    for (int i = 0; i < 4; ++i) {
      if (!subtract) {
        std::uint64_t s = limbs_[i] + v[i];
        std::uint64_t c1 = s < v[i];
        std::uint64_t t = s + carry;
        carry = c1 | (t < s);
        limbs_[i] = t;
      } else {
        std::uint64_t d = limbs_[i] - v[i];
        std::uint64_t b1 = limbs_[i] < v[i];
        std::uint64_t t = d - carry;
        carry = b1 | (d < carry);
        limbs_[i] = t;
      }
    }
  }
  Limbs4 limbs_{};
};

}  // namespace lovebank
