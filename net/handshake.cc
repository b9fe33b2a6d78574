#include "net/handshake.h"

#include <sodium.h>

#include <initializer_list>

#include "crypto/signing.h"

namespace lovebank::net {
namespace {

using Key32 = std::array<std::uint8_t, 32>;

const unsigned char* U8(ByteView view) {
  return reinterpret_cast<const unsigned char*>(view.data());
}
ByteView View(const Key32& key) { return ByteView(reinterpret_cast<const char*>(key.data()), 32); }

// BLAKE2b-256 keyed with the network key over the concatenation of `parts`. Every
// hash and key of the handshake goes through it, so nothing can be computed (or
// checked) without the network key.
Key32 KeyedHash(const NetworkKey& network_key, std::initializer_list<ByteView> parts) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, network_key.data(), network_key.size(), 32);
  for (ByteView part : parts) crypto_generichash_update(&state, U8(part), part.size());
  Key32 out;
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

Bytes Seal(const Key32& key, const Key32& ad, ByteView plaintext) {
  Bytes out(plaintext.size() + crypto_aead_chacha20poly1305_ietf_ABYTES, '\0');
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce{};
  unsigned long long length = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(out.data()), &length,
                                            U8(plaintext), plaintext.size(), ad.data(), ad.size(),
                                            nullptr, nonce.data(), key.data());
  out.resize(length);
  return out;
}

std::optional<Bytes> Open(const Key32& key, const Key32& ad, ByteView ciphertext) {
  if (ciphertext.size() < crypto_aead_chacha20poly1305_ietf_ABYTES) return std::nullopt;
  Bytes out(ciphertext.size() - crypto_aead_chacha20poly1305_ietf_ABYTES, '\0');
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce{};
  unsigned long long length = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()),
                                                &length, nullptr, U8(ciphertext),
                                                ciphertext.size(), ad.data(), ad.size(),
                                                nonce.data(), key.data()) != 0) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

Error Refused(std::string message) { return Error{ErrorCode::kUnauthenticated, std::move(message)}; }

}  // namespace

struct Handshake::State {
  HandshakeRole role;
  const crypto::SecretKey& identity;
  NetworkKey network_key;
  enum class Step { kSend1, kWait1, kSend2, kWait2, kSend3, kWait3, kDone, kFailed } step;
  Key32 e_secret{}, e_public{}, peer_e{}, ee{};
  Key32 th2{}, th3{};
  std::optional<crypto::PublicKey> peer;
  SessionKeys keys;

  State(HandshakeRole r, const crypto::SecretKey& id, const NetworkKey& nk)
      : role(r), identity(id), network_key(nk),
        step(r == HandshakeRole::kInitiator ? Step::kSend1 : Step::kWait1) {
    randombytes_buf(e_secret.data(), e_secret.size());
    crypto_scalarmult_base(e_public.data(), e_secret.data());
  }
  ~State() {
    sodium_memzero(e_secret.data(), e_secret.size());
    sodium_memzero(ee.data(), ee.size());
  }

  Key32 Initiator() const { return role == HandshakeRole::kInitiator ? e_public : peer_e; }
  Key32 Responder() const { return role == HandshakeRole::kResponder ? e_public : peer_e; }

  bool Agree() {
    if (crypto_scalarmult(ee.data(), e_secret.data(), peer_e.data()) != 0) return false;
    th2 = KeyedHash(network_key, {"transcript2", View(Initiator()), View(Responder())});
    return true;
  }

  // Both sides, once both node keys are known.
  void DeriveSessionKeys(const crypto::PublicKey& initiator_key) {
    Key32 th4 = KeyedHash(network_key, {"transcript4", View(th3), initiator_key.view()});
    Key32 i2r = KeyedHash(network_key, {"i2r", View(ee), View(th4)});
    Key32 r2i = KeyedHash(network_key, {"r2i", View(ee), View(th4)});
    keys.send = role == HandshakeRole::kInitiator ? i2r : r2i;
    keys.receive = role == HandshakeRole::kInitiator ? r2i : i2r;
    sodium_memzero(i2r.data(), i2r.size());
    sodium_memzero(r2i.data(), r2i.size());
  }

  // The encrypted identity part of messages 2 and 3: node key and signature.
  Bytes Identity(const Key32& transcript, ByteView label, const Key32& key) const {
    Bytes signed_part(label);
    signed_part.append(View(transcript));
    crypto::Signature signature = crypto::SignHandshake(identity, signed_part);
    Bytes plain(identity.public_key().view());
    plain.append(signature.view());
    return Seal(key, transcript, plain);
  }

  std::optional<crypto::PublicKey> CheckIdentity(const Key32& transcript, ByteView label,
                                                 const Key32& key, ByteView sealed) const {
    auto plain = Open(key, transcript, sealed);
    if (!plain || plain->size() != 32 + 64) return std::nullopt;
    auto node = crypto::PublicKey::FromView(ByteView(*plain).substr(0, 32));
    auto signature = crypto::Signature::FromView(ByteView(*plain).substr(32));
    Bytes signed_part(label);
    signed_part.append(View(transcript));
    if (!crypto::VerifyHandshake(*node, signed_part, *signature)) return std::nullopt;
    return node;
  }
};

Handshake::Handshake(HandshakeRole role, const crypto::SecretKey& identity,
                     const NetworkKey& network_key)
    : state_(std::make_unique<State>(role, identity, network_key)) {}
Handshake::~Handshake() = default;

std::optional<Bytes> Handshake::TakeOutgoing() {
  State& s = *state_;
  using Step = State::Step;
  switch (s.step) {
    case Step::kSend1: {
      Key32 tag = KeyedHash(s.network_key, {"msg1", View(s.e_public)});
      Bytes out(View(s.e_public));
      out.append(View(tag));
      s.step = Step::kWait2;
      return out;
    }
    case Step::kSend2: {
      Key32 k2 = KeyedHash(s.network_key, {"key2", View(s.ee), View(s.th2)});
      Bytes out(View(s.e_public));
      out.append(s.Identity(s.th2, "responder", k2));
      s.th3 = KeyedHash(s.network_key, {"transcript3", View(s.th2), s.identity.public_key().view()});
      s.step = Step::kWait3;
      return out;
    }
    case Step::kSend3: {
      Key32 k3 = KeyedHash(s.network_key, {"key3", View(s.ee), View(s.th3)});
      Bytes out = s.Identity(s.th3, "initiator", k3);
      s.DeriveSessionKeys(s.identity.public_key());
      s.step = Step::kDone;
      return out;
    }
    default:
      return std::nullopt;
  }
}

std::size_t Handshake::ExpectedSize() const {
  switch (state_->step) {
    case State::Step::kWait1: return kMessage1Size;
    case State::Step::kWait2: return kMessage2Size;
    case State::Step::kWait3: return kMessage3Size;
    default: return 0;
  }
}

Status Handshake::Receive(ByteView message) {
  State& s = *state_;
  using Step = State::Step;
  if (message.size() != ExpectedSize() || ExpectedSize() == 0) {
    s.step = Step::kFailed;
    return Refused("handshake message of the wrong size or out of turn");
  }
  auto fail = [&](std::string why) {
    s.step = Step::kFailed;
    return Status(Refused(std::move(why)));
  };
  switch (s.step) {
    case Step::kWait1: {
      std::memcpy(s.peer_e.data(), message.data(), 32);
      Key32 tag = KeyedHash(s.network_key, {"msg1", message.substr(0, 32)});
      if (crypto_verify_32(tag.data(), U8(message.substr(32))) != 0) {
        return fail("the peer does not hold this community's network key");
      }
      if (!s.Agree()) return fail("the peer sent an invalid ephemeral key");
      s.step = Step::kSend2;
      return OkStatus();
    }
    case Step::kWait2: {
      std::memcpy(s.peer_e.data(), message.data(), 32);
      if (!s.Agree()) return fail("the peer sent an invalid ephemeral key");
      Key32 k2 = KeyedHash(s.network_key, {"key2", View(s.ee), View(s.th2)});
      auto peer = s.CheckIdentity(s.th2, "responder", k2, message.substr(32));
      if (!peer) return fail("the peer's identity does not check out (wrong network key?)");
      s.peer = *peer;
      s.th3 = KeyedHash(s.network_key, {"transcript3", View(s.th2), peer->view()});
      s.step = Step::kSend3;
      return OkStatus();
    }
    case Step::kWait3: {
      Key32 k3 = KeyedHash(s.network_key, {"key3", View(s.ee), View(s.th3)});
      auto peer = s.CheckIdentity(s.th3, "initiator", k3, message);
      if (!peer) return fail("the peer's identity does not check out");
      s.peer = *peer;
      s.DeriveSessionKeys(*peer);
      s.step = Step::kDone;
      return OkStatus();
    }
    default:
      return fail("handshake message out of turn");
  }
}

bool Handshake::done() const { return state_->step == State::Step::kDone; }
bool Handshake::failed() const { return state_->step == State::Step::kFailed; }
std::optional<crypto::PublicKey> Handshake::peer() const { return state_->peer; }
const SessionKeys& Handshake::keys() const { return state_->keys; }

}  // namespace lovebank::net
