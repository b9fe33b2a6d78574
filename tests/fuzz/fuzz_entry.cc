// Entry decoding and validation: any bytes as a body and as an envelope. Property: a
// body that decodes is the one canonical encoding of what it says (re-encoding gives
// the same bytes), and the envelope checks never disagree with the body decoder.
#include "ledger/entry.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;
using namespace lovebank::ledger;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView input = fuzz::View(data, size);
  auto entry = DecodeEntryBody(input);
  if (entry) {
    fuzz::Require(EncodeEntryBody(*entry) == input, "a decoded body re-encodes to itself");
  }
  auto verified = VerifyEnvelope(input, std::nullopt);
  auto id = EnvelopeId(input);
  if (verified) {
    fuzz::Require(id.has_value() && *id == verified->id, "EnvelopeId agrees with VerifyEnvelope");
    fuzz::Require(PeekEntry(input).has_value(), "a verified envelope can be peeked");
  }
  return 0;
}
