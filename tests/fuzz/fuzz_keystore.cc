// The keystore file, as a curious teenager with a hex editor might leave it: the
// public key in the clear and the sealed secret. Any bytes are refused with a reason
// or open; none crash, and a file that opens holds the key it claims.
#include "crypto/keystore.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView file = fuzz::View(data, size);
  auto claimed = crypto::KeystorePublicKey(file);
  auto opened = crypto::OpenKeystore(file, "fuzz passphrase");
  if (opened) {
    fuzz::Require(claimed && *claimed == opened->public_key(),
                  "an opened keystore holds the key it names");
  }
  return 0;
}
