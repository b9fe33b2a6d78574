// The main() of every test binary: libsodium starts before any test runs.
#include <gtest/gtest.h>

#include "crypto/keys.h"

int main(int argc, char** argv) {
  lovebank::crypto::InitCrypto();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
