// BLAKE2b-256, the one hash of the ledger: entry ids are BLAKE2b-256 of the exact
// signed body, and the state hash is BLAKE2b-256 over a canonical encoding of the
// derived state.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace lovebank::crypto {

struct DigestTag;
using Digest = FixedBytes<32, DigestTag>;

Digest Blake2b256(ByteView data);

// Incremental BLAKE2b-256 for data that arrives in pieces. Not thread-safe; one
// hasher per computation.
class Blake2bHasher {
 public:
  Blake2bHasher();
  Blake2bHasher(const Blake2bHasher&) = delete;
  Blake2bHasher& operator=(const Blake2bHasher&) = delete;

  void Update(ByteView data);
  // The digest of everything passed to Update. Call once.
  Digest Finish();

 private:
  // Opaque storage for crypto_generichash_state (checked in hashing.cc), so that
  // sodium.h stays out of this header.
  alignas(64) std::array<std::uint8_t, 384> state_;
};

}  // namespace lovebank::crypto
