#include "crypto/keystore.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/test_support.h"

namespace lovebank::crypto {
namespace {

// The smallest Argon2id limits libsodium allows: the format and checks are the same,
// the tests just run fast.
KeystoreOptions Fast() { return {1, 8192}; }

TEST(Keystore, OpensWithTheRightPassphrase) {
  auto key = SecretKey::Generate();
  auto sealed = SealKeystore(key, "correct horse", Fast());
  ASSERT_TRUE(sealed) << sealed.error().message;
  EXPECT_EQ(sealed->size(), kKeystoreFileSize);
  auto opened = OpenKeystore(*sealed, "correct horse");
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->public_key(), key.public_key());
  EXPECT_EQ(*KeystorePublicKey(*sealed), key.public_key());
}

TEST(Keystore, WrongPassphraseIsUnauthenticated) {
  auto sealed = SealKeystore(SecretKey::Generate(), "correct horse", Fast());
  auto opened = OpenKeystore(*sealed, "Correct horse");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(opened.error().message.find("wrong passphrase"), std::string::npos);
}

TEST(Keystore, DamagedFileIsDataLoss) {
  auto sealed = *SealKeystore(SecretKey::Generate(), "pass", Fast());
  for (std::size_t at : {0ul, 30ul, 100ul, sealed.size() - 1}) {
    Bytes broken = sealed;
    broken[at] ^= 0x40;
    auto opened = OpenKeystore(broken, "pass");
    ASSERT_FALSE(opened) << "byte " << at;
    EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss) << "byte " << at;
  }
  auto truncated = OpenKeystore(ByteView(sealed).substr(0, 100), "pass");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kDataLoss);
}

TEST(Keystore, NewerVersionAsksForUpgrade) {
  auto sealed = *SealKeystore(SecretKey::Generate(), "pass", Fast());
  sealed[4] = 2;
  auto opened = OpenKeystore(sealed, "pass");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition);
}

TEST(Keystore, RefusesEmptyPassphrase) {
  auto sealed = SealKeystore(SecretKey::Generate(), "", Fast());
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().code, ErrorCode::kInvalidArgument);
}

TEST(Keystore, FileIsPrivateAndNeverOverwritten) {
  testing::TempDir dir;
  std::string path = dir.Sub("wallet/keystore");
  auto sealed = *SealKeystore(SecretKey::Generate(), "pass", Fast());
  ASSERT_TRUE(WriteKeystoreFile(path, sealed));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = WriteKeystoreFile(path, sealed);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  auto read = ReadKeystoreFile(path);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, sealed);
  auto missing = ReadKeystoreFile(dir.Sub("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Keystore, RefusesAFileOthersCanRead) {
  testing::TempDir dir;
  std::string path = dir.Sub("keystore");
  ASSERT_TRUE(WriteKeystoreFile(path, *SealKeystore(SecretKey::Generate(), "pass", Fast())));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto read = ReadKeystoreFile(path);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(read.error().message.find("chmod 600"), std::string::npos);
}

}  // namespace
}  // namespace lovebank::crypto
