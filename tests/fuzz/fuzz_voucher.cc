// Voucher bundles (the text a volunteer shows at a station). Property: whatever
// decodes encodes back to a voucher that decodes to the same envelopes.
#include "ledger/voucher.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto envelopes = ledger::DecodeVoucher(fuzz::View(data, size));
  if (envelopes) {
    std::string text = ledger::EncodeVoucher(*envelopes, 1 << 20);
    auto again = ledger::DecodeVoucher(text);
    fuzz::Require(again && *again == *envelopes, "a voucher round-trips");
  }
  return 0;
}
