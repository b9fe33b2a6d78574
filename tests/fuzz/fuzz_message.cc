// Peer messages inside frames (Hello, Entries, Probe, Descend, Want, PeerList, ...):
// any payload decodes or is refused, never crashes.
#include "net/messages.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto message = net::DecodeMessage(fuzz::View(data, size));
  if (message) {
    // What decodes encodes again and decodes to a message of the same kind.
    auto again = net::DecodeMessage(net::EncodeMessage(*message));
    fuzz::Require(again && again->index() == message->index(), "a message round-trips");
  }
  return 0;
}
