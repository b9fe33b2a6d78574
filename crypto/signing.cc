#include "crypto/signing.h"

#include <sodium.h>

namespace lovebank::crypto {
namespace {

const unsigned char* U8(ByteView view) {
  return reinterpret_cast<const unsigned char*>(view.data());
}

// Tag and body in one buffer; thread_local so the hot path does not allocate.
ByteView Tagged(ByteView body) {
  thread_local Bytes buffer;
  buffer.assign(kEntryDomainTag);
  buffer.append(body);
  return buffer;
}

}  // namespace

Signature SignEntryBody(const SecretKey& author, ByteView body) {
  return SignDetachedForBenchmark(author, Tagged(body));
}

bool VerifyEntryBody(const PublicKey& author, ByteView body, const Signature& signature) {
  return VerifyDetachedForBenchmark(author, Tagged(body), signature);
}

Signature SignHandshake(const SecretKey& node, ByteView transcript) {
  Bytes message(kHandshakeDomainTag);
  message.append(transcript);
  return SignDetachedForBenchmark(node, message);
}

bool VerifyHandshake(const PublicKey& node, ByteView transcript, const Signature& signature) {
  Bytes message(kHandshakeDomainTag);
  message.append(transcript);
  return VerifyDetachedForBenchmark(node, message, signature);
}

Signature SignCertificateBody(const SecretKey& issuer, ByteView body) {
  Bytes message(kCertificateDomainTag);
  message.append(body);
  return SignDetachedForBenchmark(issuer, message);
}

bool VerifyCertificateBody(const PublicKey& issuer, ByteView body, const Signature& signature) {
  Bytes message(kCertificateDomainTag);
  message.append(body);
  return VerifyDetachedForBenchmark(issuer, message, signature);
}

bool VerifyDetachedForBenchmark(const PublicKey& key, ByteView message,
                                const Signature& signature) {
  return crypto_sign_verify_detached(signature.data(), U8(message), message.size(),
                                     key.data()) == 0;
}

Signature SignDetachedForBenchmark(const SecretKey& key, ByteView message) {
  Signature signature;
  crypto_sign_detached(signature.data(), nullptr, U8(message), message.size(), key.raw());
  return signature;
}

}  // namespace lovebank::crypto
