// The body of POST /v1/entries as a wallet (or anyone on the API port) sends it: JSON
// with envelopes or a voucher. Any bytes are parsed, verified or refused with a named
// code and a message, never a crash.
#include "node/submit_body.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ledger::NetworkId network = *ledger::NetworkId::FromView(Bytes(32, '\x11'));
  auto body = node::ParseSubmitBody(fuzz::View(data, size), network);
  if (body) {
    fuzz::Require(!body->entries.empty() && body->entries.size() <= 16, "1 to 16 entries");
  } else {
    fuzz::Require(ledger::RefusalFromName(ledger::RefusalName(body.error().code)) ==
                          body.error().code &&
                      !body.error().message.empty(),
                  "a refusal has a named code and a message");
  }
  return 0;
}
