#include "crypto/keys.h"

#include <sodium.h>

#include <cassert>
#include <cstdlib>
#include <cstring>

namespace lovebank::crypto {

static_assert(crypto_sign_PUBLICKEYBYTES == PublicKey::kSize);
static_assert(crypto_sign_BYTES == Signature::kSize);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_SEEDBYTES == SecretKey::kSeedSize);

void InitCrypto() {
  if (sodium_init() < 0) std::abort();
}

SecretKey SecretKey::Generate() {
  SecretKey key;
  crypto_sign_keypair(key.public_key_.data(), key.secret_.data());
  return key;
}

SecretKey SecretKey::FromSeed(ByteView seed) {
  assert(seed.size() == kSeedSize);
  SecretKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_.data(),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  return key;
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : secret_(other.secret_), public_key_(other.public_key_) {
  other.Wipe();
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    public_key_ = other.public_key_;
    other.Wipe();
  }
  return *this;
}

SecretKey::~SecretKey() { Wipe(); }

void SecretKey::Wipe() { sodium_memzero(secret_.data(), secret_.size()); }

}  // namespace lovebank::crypto
