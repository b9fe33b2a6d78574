// Every handshake message from a hostile peer: the input is message 1 to a responder,
// message 2 to an initiator, or message 3 to a responder that accepted a real message
// 1 (the first byte chooses). Nothing may crash, and forged bytes never complete it.
#include "crypto/keys.h"
#include "net/handshake.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const crypto::SecretKey alice = crypto::SecretKey::FromSeed(Bytes(32, 'a'));
  static const crypto::SecretKey bob = crypto::SecretKey::FromSeed(Bytes(32, 'b'));
  const net::NetworkKey network = *net::NetworkKey::FromView(Bytes(32, 'n'));
  ByteView message = fuzz::View(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      net::Handshake responder(net::HandshakeRole::kResponder, bob, network);
      bool ok = static_cast<bool>(responder.Receive(message));
      if (!ok) fuzz::Require(responder.failed() && !responder.TakeOutgoing(), "dead after failure");
      break;
    }
    case 1: {
      net::Handshake initiator(net::HandshakeRole::kInitiator, alice, network);
      (void)initiator.TakeOutgoing();
      bool ok = static_cast<bool>(initiator.Receive(message));
      fuzz::Require(!ok, "a forged message 2 never authenticates");
      fuzz::Require(!initiator.done(), "a forged message 2 never completes");
      break;
    }
    default: {
      net::Handshake initiator(net::HandshakeRole::kInitiator, alice, network);
      net::Handshake responder(net::HandshakeRole::kResponder, bob, network);
      fuzz::Require(static_cast<bool>(responder.Receive(*initiator.TakeOutgoing())),
                    "a real message 1 is accepted");
      (void)responder.TakeOutgoing();
      bool ok = static_cast<bool>(responder.Receive(message));
      fuzz::Require(!ok && !responder.done(), "a forged message 3 never completes");
      break;
    }
  }
  return 0;
}
