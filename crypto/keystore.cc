#include "crypto/keystore.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "crypto/hashing.h"
#include "crypto/secret_file.h"

namespace lovebank::crypto {
namespace {

constexpr ByteView kMagic = "LBKS";
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kSaltSize = crypto_pwhash_SALTBYTES;
constexpr std::size_t kNonceSize = crypto_secretbox_NONCEBYTES;
constexpr std::size_t kSealedSize = SecretKey::kSeedSize + crypto_secretbox_MACBYTES;
constexpr std::size_t kHeaderSize = 4 + 1 + 8 + 8 + PublicKey::kSize + kSaltSize + kNonceSize;
static_assert(kHeaderSize + kSealedSize + Digest::kSize == kKeystoreFileSize);
static_assert(kSaltSize == 16 && kNonceSize == 24);

// A 32-byte key that wipes itself.
struct SealingKey {
  std::array<unsigned char, crypto_secretbox_KEYBYTES> bytes{};
  ~SealingKey() { sodium_memzero(bytes.data(), bytes.size()); }
};

const unsigned char* U8(ByteView view) {
  return reinterpret_cast<const unsigned char*>(view.data());
}

Status DeriveKey(std::string_view passphrase, ByteView salt, std::uint64_t opslimit,
                 std::uint64_t memlimit, SealingKey& out) {
  if (crypto_pwhash(out.bytes.data(), out.bytes.size(), passphrase.data(), passphrase.size(),
                    U8(salt), opslimit, memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "not enough memory to derive the keystore key; close other programs "
                     "and try again");
  }
  return OkStatus();
}

bool LimitsInRange(std::uint64_t opslimit, std::uint64_t memlimit) {
  return opslimit >= crypto_pwhash_OPSLIMIT_MIN && opslimit <= kMaxKeystoreOpslimit &&
         memlimit >= crypto_pwhash_MEMLIMIT_MIN && memlimit <= kMaxKeystoreMemlimitBytes;
}

Error Damaged(std::string what) {
  return MakeError(ErrorCode::kDataLoss,
                   "the keystore file is damaged (" + what +
                       "); restore it from your backup or ask an admin to recover your account");
}

}  // namespace

Result<Bytes> SealKeystore(const SecretKey& key, std::string_view passphrase,
                           const KeystoreOptions& options) {
  if (passphrase.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "the passphrase must not be empty");
  }
  if (!LimitsInRange(options.opslimit, options.memlimit_bytes)) {
    return MakeError(ErrorCode::kInvalidArgument, "keystore work factors are out of range");
  }
  Bytes file;
  file.reserve(kKeystoreFileSize);
  file.append(kMagic);
  file.push_back(static_cast<char>(kVersion));
  AppendBigEndian64(file, options.opslimit);
  AppendBigEndian64(file, options.memlimit_bytes);
  file.append(key.public_key().view());
  std::array<unsigned char, kSaltSize + kNonceSize> random;
  randombytes_buf(random.data(), random.size());
  file.append(reinterpret_cast<const char*>(random.data()), random.size());
  ByteView salt = ByteView(file).substr(kHeaderSize - kNonceSize - kSaltSize, kSaltSize);

  SealingKey sealing;
  if (auto derived = DeriveKey(passphrase, salt, options.opslimit, options.memlimit_bytes,
                               sealing);
      !derived) {
    return derived.error();
  }
  std::array<unsigned char, kSealedSize> sealed;
  crypto_secretbox_easy(sealed.data(), U8(key.seed()), SecretKey::kSeedSize,
                        random.data() + kSaltSize, sealing.bytes.data());
  file.append(reinterpret_cast<const char*>(sealed.data()), sealed.size());
  file.append(Blake2b256(file).view());
  return file;
}

Result<PublicKey> KeystorePublicKey(ByteView file) {
  if (file.size() != kKeystoreFileSize) {
    return Damaged("it is " + std::to_string(file.size()) + " bytes, expected " +
                   std::to_string(kKeystoreFileSize));
  }
  if (file.substr(0, 4) != kMagic) return Damaged("it does not start with LBKS");
  if (static_cast<std::uint8_t>(file[4]) != kVersion) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "the keystore uses format version " +
                         std::to_string(static_cast<std::uint8_t>(file[4])) +
                         ", which this wallet does not know; upgrade lovebank");
  }
  auto body = file.substr(0, kKeystoreFileSize - Digest::kSize);
  if (Blake2b256(body).view() != file.substr(kKeystoreFileSize - Digest::kSize)) {
    return Damaged("its checksum does not match");
  }
  return *PublicKey::FromView(file.substr(21, PublicKey::kSize));
}

Result<SecretKey> OpenKeystore(ByteView file, std::string_view passphrase) {
  auto public_key = KeystorePublicKey(file);
  if (!public_key) return public_key.error();
  std::uint64_t opslimit = ReadBigEndian64(file.substr(5));
  std::uint64_t memlimit = ReadBigEndian64(file.substr(13));
  if (!LimitsInRange(opslimit, memlimit)) return Damaged("its work factors are out of range");
  ByteView salt = file.substr(21 + PublicKey::kSize, kSaltSize);
  ByteView nonce = file.substr(21 + PublicKey::kSize + kSaltSize, kNonceSize);
  ByteView sealed = file.substr(kHeaderSize, kSealedSize);

  SealingKey sealing;
  if (auto derived = DeriveKey(passphrase, salt, opslimit, memlimit, sealing); !derived) {
    return derived.error();
  }
  std::array<unsigned char, SecretKey::kSeedSize> seed;
  if (crypto_secretbox_open_easy(seed.data(), U8(sealed), sealed.size(), U8(nonce),
                                 sealing.bytes.data()) != 0) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "wrong passphrase for this keystore; type it again (it is case-sensitive)");
  }
  auto key = SecretKey::FromSeed(ByteView(reinterpret_cast<const char*>(seed.data()), seed.size()));
  sodium_memzero(seed.data(), seed.size());
  if (key.public_key() != *public_key) return Damaged("its public key does not match its seed");
  return key;
}

Status WriteKeystoreFile(const std::string& path, ByteView sealed) {
  return WriteSecretFile(path, sealed, "keystore");
}

Result<Bytes> ReadKeystoreFile(const std::string& path) {
  auto file = ReadSecretFile(path, kKeystoreFileSize, "keystore");
  if (!file) {
    if (file.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound, "no keystore at " + path +
                                                 "; create one with `lovebank key new`");
    }
    if (file.error().code == ErrorCode::kDataLoss) return Damaged("it has the wrong size");
    return file.error();
  }
  if (file->size() != kKeystoreFileSize) return Damaged("it has the wrong size");
  return file;
}

}  // namespace lovebank::crypto
