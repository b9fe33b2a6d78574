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

// Tag and message in a fresh buffer, for the rarer signatures (handshakes, certificates).
Bytes WithTag(ByteView tag, ByteView message) {
  Bytes out(tag);
  out.append(message);
  return out;
}

}  // namespace

Signature SignEntryBody(const SecretKey& author, ByteView body) {
  return SignDetachedForBenchmark(author, Tagged(body));
}

bool VerifyEntryBody(const PublicKey& author, ByteView body, const Signature& signature) {
  return VerifyDetachedForBenchmark(author, Tagged(body), signature);
}

Signature SignHandshake(const SecretKey& node, ByteView transcript) {
  return SignDetachedForBenchmark(node, WithTag(kHandshakeDomainTag, transcript));
}

bool VerifyHandshake(const PublicKey& node, ByteView transcript, const Signature& signature) {
  return VerifyDetachedForBenchmark(node, WithTag(kHandshakeDomainTag, transcript), signature);
}

Signature SignCertificateBody(const SecretKey& issuer, ByteView body) {
  return SignDetachedForBenchmark(issuer, WithTag(kCertificateDomainTag, body));
}

bool VerifyCertificateBody(const PublicKey& issuer, ByteView body, const Signature& signature) {
  return VerifyDetachedForBenchmark(issuer, WithTag(kCertificateDomainTag, body), signature);
}

Signature SignCertificateStatement(const SecretKey& issuer, ByteView statement) {
  return SignDetachedForBenchmark(issuer, WithTag(kStatementDomainTag, statement));
}

bool VerifyCertificateStatement(const PublicKey& issuer, ByteView statement,
                                const Signature& signature) {
  return VerifyDetachedForBenchmark(issuer, WithTag(kStatementDomainTag, statement), signature);
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
