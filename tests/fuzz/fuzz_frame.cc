// Frame decoding from a peer's byte stream: arbitrary bytes fed in arbitrary chunks to
// the decoder that a session reads with. Nothing may crash, buffer more than one
// frame, or hand out a payload over the limit; forged frames end the stream.
#include "net/frame.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::array<std::uint8_t, 32> key{};
  key.fill(0x42);
  net::FrameDecoder decoder(key);
  // The first byte picks the chunk size, as a socket would split the stream.
  std::size_t chunk = 1 + data[0] % 64;
  ByteView rest = fuzz::View(data + 1, size - 1);
  while (!rest.empty()) {
    ByteView piece = rest.substr(0, chunk);
    rest.remove_prefix(piece.size());
    if (!decoder.Feed(piece)) {
      fuzz::Require(!decoder.Feed("x"), "a failed decoder stays failed");
      return 0;
    }
    while (auto payload = decoder.Next()) {
      fuzz::Require(payload->size() <= net::kMaxFramePayload, "payload within the limit");
    }
    fuzz::Require(decoder.buffered() < net::kFrameHeaderSize + net::kMaxFramePayload +
                                           net::kFrameTagSize,
                  "the decoder holds less than one whole frame");
  }
  return 0;
}
