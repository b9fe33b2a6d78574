// The frame cipher round trip: any payload sealed and fed back through the decoder in
// pieces comes out the same, in order, and a flipped byte anywhere is refused.
#include "net/frame.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7 + 1);
  std::size_t chunk = 1 + data[0] % 97;
  ByteView payload = fuzz::View(data + 1, size - 1).substr(0, net::kMaxFramePayload);
  net::FrameSealer sealer(key);
  Bytes stream = sealer.Seal(payload);
  stream += sealer.Seal(payload.substr(payload.size() / 2));  // a second frame behind it
  net::FrameDecoder decoder(key);
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    fuzz::Require(static_cast<bool>(decoder.Feed(ByteView(stream).substr(at, chunk))),
                  "honest frames open");
  }
  auto first = decoder.Next();
  auto second = decoder.Next();
  fuzz::Require(first && *first == payload, "the first payload comes back");
  fuzz::Require(second && *second == payload.substr(payload.size() / 2),
                "the second payload comes back");
  fuzz::Require(!decoder.Next(), "nothing more");
  // Tamper with one byte the input chooses: the decoder must refuse.
  Bytes tampered = stream;
  tampered[data[0] % tampered.size()] ^= 0x01;
  net::FrameDecoder strict(key);
  bool ok = static_cast<bool>(strict.Feed(tampered));
  std::size_t out = 0;
  while (strict.Next()) ++out;
  fuzz::Require(!ok || out < 2, "a flipped byte never passes as two good frames");
  return 0;
}
