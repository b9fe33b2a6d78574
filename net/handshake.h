// The peer handshake: two nodes prove to each other that they hold their node keys
// and the community's secret network key, and agree on fresh session keys.
//
// A SIGMA-style pattern with the network key as a pre-shared key, in three fixed-size
// messages (docs/wire-protocol.md gives every byte):
//   1. I -> R  e_i, tag = BLAKE2b(key = network key, e_i)
//   2. R -> I  e_r, AEAD_k2(R's node key, R's signature over the transcript)
//   3. I -> R  AEAD_k3(I's node key, I's signature over the transcript)
// e_i and e_r are fresh X25519 keys; every key is derived from their shared secret
// and the network key, so a recorded session stays secret even if node keys and the
// network key leak later (forward secrecy), and each signature covers both ephemeral
// keys (a message replayed from another session fails). A side without the network
// key learns nothing: R drops a message 1 whose tag is wrong without answering.
//
// Pure state machine over bytes: no sockets, no clock. The caller moves bytes and
// enforces timeouts; after done() it checks peer() against the node roster.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/keys.h"

namespace lovebank::net {

struct NetworkKeyTag;
using NetworkKey = FixedBytes<32, NetworkKeyTag>;

// The keys of one direction each, for the frame cipher (frame.h).
struct SessionKeys {
  std::array<std::uint8_t, 32> send{};
  std::array<std::uint8_t, 32> receive{};
};

enum class HandshakeRole : std::uint8_t { kInitiator, kResponder };

class Handshake {
 public:
  static constexpr std::size_t kMessage1Size = 64;
  static constexpr std::size_t kMessage2Size = 32 + 32 + 64 + 16;
  static constexpr std::size_t kMessage3Size = 32 + 64 + 16;

  // `identity` must outlive the handshake.
  Handshake(HandshakeRole role, const crypto::SecretKey& identity, const NetworkKey& network_key);
  ~Handshake();
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;

  // The next message this side sends, when it is its turn (once per message).
  std::optional<Bytes> TakeOutgoing();
  // How many bytes the next message from the peer has; 0 when none is expected.
  std::size_t ExpectedSize() const;
  // Takes the peer's next message, exactly ExpectedSize() bytes. kUnauthenticated
  // when it fails (wrong network key, bad signature, tampering); the handshake is
  // then dead and every later call fails.
  Status Receive(ByteView message);

  bool done() const;
  bool failed() const;
  // The peer's node key, known to the initiator after message 2 (so it can stop
  // before revealing its own key) and to the responder after message 3.
  std::optional<crypto::PublicKey> peer() const;
  // The session keys; valid once done().
  const SessionKeys& keys() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lovebank::net
