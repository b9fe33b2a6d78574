// Frames: after the handshake, every message between two nodes is one frame,
//   length (u32, big-endian)  ciphertext (length bytes)
// where ciphertext = ChaCha20-Poly1305-IETF(payload) under the direction's session key,
// the nonce is a 64-bit counter (one per frame, never reused), and the four length
// bytes are authenticated as associated data. A length above the limit is refused
// from the four header bytes alone, before anything is allocated for the body; a
// frame that fails authentication (tampered, reordered, replayed, dropped) ends the
// session. Pure: no sockets. docs/wire-protocol.md gives the exact bytes.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"

namespace lovebank::net {

inline constexpr std::size_t kFrameHeaderSize = 4;
inline constexpr std::size_t kFrameTagSize = 16;
// The largest payload a frame may carry: room for a batch of full-size entries.
inline constexpr std::size_t kMaxFramePayload = 1024 * 1024;

// Seals outgoing payloads. Not thread-safe: one per connection direction.
class FrameSealer {
 public:
  explicit FrameSealer(const std::array<std::uint8_t, 32>& key);
  ~FrameSealer();
  // The whole frame (header and ciphertext). Requires payload.size() <= kMaxFramePayload.
  Bytes Seal(ByteView payload);
  std::uint64_t frames() const { return counter_; }

 private:
  std::array<std::uint8_t, 32> key_;
  std::uint64_t counter_ = 0;
};

// Opens incoming frames in two steps, so a socket reader can check the length before
// it reads (or allocates) the body.
class FrameOpener {
 public:
  explicit FrameOpener(const std::array<std::uint8_t, 32>& key,
                       std::size_t max_payload = kMaxFramePayload);
  ~FrameOpener();
  // From the 4 header bytes: how many ciphertext bytes follow. kResourceExhausted if
  // above the limit, kInvalidArgument if shorter than a tag.
  Result<std::size_t> BodySize(ByteView header) const;
  // Decrypts the body that followed `header`. kUnauthenticated if it does not
  // authenticate; the opener is then dead (every later frame fails too).
  Result<Bytes> Open(ByteView header, ByteView body);

 private:
  std::array<std::uint8_t, 32> key_;
  std::size_t max_payload_;
  std::uint64_t counter_ = 0;
  bool dead_ = false;
};

// A FrameOpener over a byte stream that arrives in arbitrary pieces (tests, fuzzing).
class FrameDecoder {
 public:
  explicit FrameDecoder(const std::array<std::uint8_t, 32>& key,
                        std::size_t max_payload = kMaxFramePayload)
      : opener_(key, max_payload) {}
  // Appends `data` and opens every whole frame in it. After an error, every call fails.
  Status Feed(ByteView data);
  // The next opened payload, oldest first.
  std::optional<Bytes> Next();
  // Bytes held for a frame not yet whole (never more than one frame's worth).
  std::size_t buffered() const { return buffer_.size(); }

 private:
  FrameOpener opener_;
  Bytes buffer_;
  std::deque<Bytes> ready_;
  std::optional<Error> error_;
};

}  // namespace lovebank::net
