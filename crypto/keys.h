// Identities: Ed25519 key pairs (libsodium). Every participant of a community, person
// or node, is one key pair; the public key is its name on the ledger.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace lovebank::crypto {

struct PublicKeyTag;
struct SignatureTag;
struct SeedTag;

using PublicKey = FixedBytes<32, PublicKeyTag>;
using Signature = FixedBytes<64, SignatureTag>;

// Initialises libsodium. Call once at the start of every main() (and the test main)
// before any other function here; aborts the process if the library cannot start,
// since nothing secure can be done then. Thread-safe and idempotent.
void InitCrypto();

// An Ed25519 secret key. Move-only; the secret bytes are wiped when it is destroyed
// or moved from, so copies of a secret never linger in memory.
class SecretKey {
 public:
  static constexpr std::size_t kSeedSize = 32;

  // A fresh key from the system's secure random source.
  static SecretKey Generate();
  // The key determined by a 32-byte seed (the keystore stores seeds). Requires
  // seed.size() == kSeedSize.
  static SecretKey FromSeed(ByteView seed);

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  const PublicKey& public_key() const { return public_key_; }

  // The 32-byte seed, for sealing into a keystore. The caller must wipe what it copies.
  ByteView seed() const {
    return ByteView(reinterpret_cast<const char*>(secret_.data()), kSeedSize);
  }

  // libsodium's 64-byte secret key form (seed || public key), for the signing code.
  const std::uint8_t* raw() const { return secret_.data(); }

 private:
  SecretKey() = default;
  void Wipe();

  std::array<std::uint8_t, 64> secret_{};
  PublicKey public_key_;
};

}  // namespace lovebank::crypto
