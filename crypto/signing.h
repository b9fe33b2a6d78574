// Signatures with domain separation built in. Each function prepends its own domain
// tag to the message, so a signature made for one purpose can never be replayed as
// another, and callers cannot forget the tag. The next entry format gets a new tag.
#pragma once

#include "base/bytes.h"
#include "crypto/keys.h"

namespace lovebank::crypto {

// The domain tag of ledger entry signatures, format version 1.
inline constexpr ByteView kEntryDomainTag = "lovebank/entry/v1";

// Ed25519 over kEntryDomainTag || body. Thread-safe.
Signature SignEntryBody(const SecretKey& author, ByteView body);

// True if `signature` is `author`'s signature of kEntryDomainTag || body. Thread-safe.
bool VerifyEntryBody(const PublicKey& author, ByteView body, const Signature& signature);

// The domain tag of peer handshake signatures (net/handshake.h), version 1.
inline constexpr ByteView kHandshakeDomainTag = "lovebank/handshake/v1";

// Ed25519 over kHandshakeDomainTag || transcript, proving a node holds its key in one
// handshake. Thread-safe.
Signature SignHandshake(const SecretKey& node, ByteView transcript);
bool VerifyHandshake(const PublicKey& node, ByteView transcript, const Signature& signature);

// The domain tag of certificates of service hours (ledger/certificate.h), version 1.
inline constexpr ByteView kCertificateDomainTag = "lovebank/certificate/v1";

// Ed25519 over kCertificateDomainTag || body: the issuing coordinator's or admin's
// signature of a certificate. Thread-safe.
Signature SignCertificateBody(const SecretKey& issuer, ByteView body);
bool VerifyCertificateBody(const PublicKey& issuer, ByteView body, const Signature& signature);

// The domain tag of a certificate's statement, the short signed summary in the QR code
// of its printed page (ledger/certificate.h), version 1.
inline constexpr ByteView kStatementDomainTag = "lovebank/certificate-statement/v1";

// Ed25519 over kStatementDomainTag || statement, by the certificate's issuer. Thread-safe.
Signature SignCertificateStatement(const SecretKey& issuer, ByteView statement);
bool VerifyCertificateStatement(const PublicKey& issuer, ByteView statement,
                                const Signature& signature);

// Plain crypto_sign_verify_detached over `message` with no tag: only the benchmarks
// use it, to measure the raw verify rate the ingest rate is compared with.
bool VerifyDetachedForBenchmark(const PublicKey& key, ByteView message,
                                const Signature& signature);
Signature SignDetachedForBenchmark(const SecretKey& key, ByteView message);

}  // namespace lovebank::crypto
