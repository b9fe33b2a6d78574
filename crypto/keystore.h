// The encrypted keystore: one secret key sealed under a passphrase.
//
// File format, version 1 (173 bytes, integers big-endian):
//   magic "LBKS" | version u8 = 1 | argon2id opslimit u64 | memlimit u64 |
//   public key (32) | salt (16) | nonce (24) |
//   secretbox(seed) (48 = 32-byte seed + 16-byte Poly1305 tag) |
//   checksum (32) = BLAKE2b-256 of everything before it
// The sealing key is Argon2id(passphrase, salt) with the stored limits; the seed is
// sealed with XSalsa20-Poly1305 (crypto_secretbox). The public key is in the clear so
// `lovebank key show` needs no passphrase, and is checked against the opened seed.
// The unkeyed checksum tells a damaged file (kDataLoss) from a wrong passphrase
// (kUnauthenticated), which the authentication tag alone cannot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/keys.h"

namespace lovebank::crypto {

struct KeystoreOptions {
  // Argon2id work factors. The defaults are libsodium's "interactive" limits
  // (about 0.1 s and 64 MiB on a laptop); tests lower them to run fast.
  std::uint64_t opslimit = 2;
  std::uint64_t memlimit_bytes = 64ull << 20;
};

// Largest work factors a file may name; a damaged or hostile file cannot make the
// wallet allocate more than this.
inline constexpr std::uint64_t kMaxKeystoreOpslimit = 16;
inline constexpr std::uint64_t kMaxKeystoreMemlimitBytes = 1ull << 30;
inline constexpr std::size_t kKeystoreFileSize = 173;

// Seals `key` under `passphrase`. Fails with kInvalidArgument on an empty passphrase
// or out-of-range limits, kResourceExhausted if Argon2id cannot get its memory.
Result<Bytes> SealKeystore(const SecretKey& key, std::string_view passphrase,
                           const KeystoreOptions& options = {});

// Opens a sealed keystore. kUnauthenticated: wrong passphrase. kDataLoss: the file is
// damaged or not a keystore. kFailedPrecondition: a newer format version.
Result<SecretKey> OpenKeystore(ByteView file, std::string_view passphrase);

// The public key stored in the clear, without the passphrase.
Result<PublicKey> KeystorePublicKey(ByteView file);

// Writes a keystore file atomically (temp file + rename) with mode 0600, creating the
// parent directory (mode 0700) if needed. Refuses to overwrite an existing file.
Status WriteKeystoreFile(const std::string& path, ByteView sealed);

// Reads a keystore file. kNotFound if absent, kDataLoss if of the wrong size,
// kPermissionDenied if other users may read it (it must be mode 0600 or stricter).
Result<Bytes> ReadKeystoreFile(const std::string& path);

}  // namespace lovebank::crypto
