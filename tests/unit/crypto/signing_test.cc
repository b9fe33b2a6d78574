#include "crypto/signing.h"

#include <gtest/gtest.h>

#include "crypto/hashing.h"
#include "crypto/keys.h"
#include "base/hex.h"

namespace lovebank::crypto {
namespace {

TEST(Signing, VerifiesWhatWasSigned) {
  auto key = SecretKey::Generate();
  auto sig = SignEntryBody(key, "body bytes");
  EXPECT_TRUE(VerifyEntryBody(key.public_key(), "body bytes", sig));
}

TEST(Signing, RefusesAlteredBodyKeyOrSignature) {
  auto key = SecretKey::Generate();
  auto other = SecretKey::Generate();
  auto sig = SignEntryBody(key, "body bytes");
  EXPECT_FALSE(VerifyEntryBody(key.public_key(), "body bytez", sig));
  EXPECT_FALSE(VerifyEntryBody(other.public_key(), "body bytes", sig));
  Signature flipped = sig;
  flipped.data()[10] ^= 1;
  EXPECT_FALSE(VerifyEntryBody(key.public_key(), "body bytes", flipped));
}

TEST(Signing, DomainTagSeparatesEntrySignaturesFromRawOnes) {
  auto key = SecretKey::Generate();
  // A plain signature of the body is not an entry signature, and vice versa.
  auto raw = SignDetachedForBenchmark(key, "body");
  EXPECT_FALSE(VerifyEntryBody(key.public_key(), "body", raw));
  auto tagged = SignEntryBody(key, "body");
  EXPECT_FALSE(VerifyDetachedForBenchmark(key.public_key(), "body", tagged));
  EXPECT_TRUE(VerifyDetachedForBenchmark(key.public_key(), "lovebank/entry/v1body", tagged));
}

TEST(Keys, SeedDeterminesKey) {
  Bytes seed(32, '\7');
  auto a = SecretKey::FromSeed(seed);
  auto b = SecretKey::FromSeed(seed);
  EXPECT_EQ(a.public_key(), b.public_key());
  EXPECT_EQ(a.seed(), ByteView(seed));
}

TEST(Keys, MovedFromKeyIsWiped) {
  auto a = SecretKey::FromSeed(Bytes(32, '\7'));
  auto b = std::move(a);
  EXPECT_EQ(a.seed(), ByteView(Bytes(32, '\0')));  // NOLINT: reading the moved-from state is the test
  EXPECT_EQ(b.seed(), ByteView(Bytes(32, '\7')));
}

TEST(Hashing, Blake2b256KnownAnswer) {
  // BLAKE2b-256 of the empty string (RFC 7693 parameters, 32-byte output).
  EXPECT_EQ(ToHex(Blake2b256("").view()),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST(Hashing, IncrementalEqualsOneShot) {
  Blake2bHasher h;
  h.Update("love");
  h.Update("bank");
  EXPECT_EQ(h.Finish(), Blake2b256("lovebank"));
}

}  // namespace
}  // namespace lovebank::crypto
