#include "crypto/hashing.h"

#include <sodium.h>

namespace lovebank::crypto {
namespace {

crypto_generichash_state* State(std::array<std::uint8_t, 384>& storage) {
  static_assert(sizeof(crypto_generichash_state) <= 384);
  static_assert(alignof(crypto_generichash_state) <= 64);
  return reinterpret_cast<crypto_generichash_state*>(storage.data());
}

}  // namespace

Digest Blake2b256(ByteView data) {
  Digest out;
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  return out;
}

Blake2bHasher::Blake2bHasher() { crypto_generichash_init(State(state_), nullptr, 0, Digest::kSize); }

void Blake2bHasher::Update(ByteView data) {
  crypto_generichash_update(State(state_), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
}

Digest Blake2bHasher::Finish() {
  Digest out;
  crypto_generichash_final(State(state_), out.data(), out.size());
  return out;
}

}  // namespace lovebank::crypto
