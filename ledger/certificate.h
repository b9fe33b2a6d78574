// Certificates of service hours: a self-contained, signed file a volunteer gives to a
// school or an employer, who checks it offline without trusting any server.
//
// A certificate carries the signed entries that prove each credited interval (the
// service record, or the claim and the confirm that credited it), the role acts that
// gave each recorder, confirmer and the issuer their authority (up to the genesis
// admins), the volunteer's enrolment, and the community's genesis. Its lines and
// totals (minutes by category and by team) are signed by the issuing coordinator or
// admin under the domain tag "lovebank/certificate/v1". VerifyCertificate re-derives
// every line and total from the entries and checks every signature and authority;
// docs/audit.md says what a valid certificate proves and what it cannot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "crypto/keys.h"
#include "ledger/entry.h"
#include "ledger/state.h"

namespace lovebank::ledger {

inline constexpr std::uint32_t kCertificateVersion = 1;
inline constexpr std::size_t kMaxCertificateBytes = 16 << 20;

struct CertificateLine {
  EntryId source;                  // the service record or claim
  std::optional<EntryId> confirm;  // the confirm that credited a claim
  std::string category;
  std::uint64_t start_ms = 0;
  std::uint32_t minutes = 0;
};

struct Certificate {
  Bytes serial;  // 16 random bytes
  NetworkId network;  // the community's genesis id (not in the body: it is the genesis's)
  std::uint64_t issued_at_ms = 0;
  PublicKey issuer;
  PublicKey volunteer;                 // the account id
  std::vector<PublicKey> volunteer_keys;  // id first
  std::string volunteer_name;
  std::uint64_t from_ms = 0, to_ms = 0;   // [from, to)
  Bytes genesis;                          // envelope
  std::vector<Bytes> authority;           // envelopes: role acts, enrolment
  std::vector<Bytes> service;             // envelopes: records, claims, confirms
  std::vector<CertificateLine> lines;     // by start
  std::vector<std::pair<std::string, std::uint64_t>> by_category, by_team;
  std::uint64_t total_minutes = 0;
};

// The serial as people read it: "LB-" and 32 hex digits in groups of four.
std::string SerialText(ByteView serial);

// Gathers from `state` (settled, built with envelopes kept) the credited service of
// `volunteer`'s account that started in [from_ms, to_ms), with everything that proves
// it. kPermissionDenied if `issuer` holds neither the coordinator nor the admin role;
// kNotFound if the volunteer has no account.
Result<Certificate> CollectCertificate(const LedgerState& state, const PublicKey& volunteer,
                                       std::uint64_t from_ms, std::uint64_t to_ms,
                                       const PublicKey& issuer, std::uint64_t now_ms,
                                       Bytes serial);

// A certificate's statement: the short summary its issuer signs for the QR code of
// the printed page, so that a school scanning it learns who served how long, for
// which community, signed by which key, without the certificate file. The signature
// alone proves only that the key signed it; that the key was a coordinator or admin
// of the community, and that the ledger credits the minutes, takes the ledger (a
// node, or the certificate file).
//
// Text form: "lbc1:" and base64url (no padding) of
//   u8 version (1), network id (32), serial (16), volunteer account id (32), issuer
//   key (32), issued_at_ms, from_ms, to_ms, total_minutes (u64 big-endian each),
//   activities (u32 big-endian), u8 name length, name (UTF-8), then the issuer's
//   Ed25519 signature (64) under "lovebank/certificate-statement/v1" of all before it.
inline constexpr std::string_view kStatementPrefix = "lbc1:";
inline constexpr std::size_t kMaxStatementNameBytes = 48;

struct CertificateStatement {
  NetworkId network;
  Bytes serial;
  PublicKey volunteer;
  PublicKey issuer;
  std::uint64_t issued_at_ms = 0, from_ms = 0, to_ms = 0;  // period [from, to)
  std::uint64_t total_minutes = 0;
  std::uint32_t activities = 0;
  std::string volunteer_name;  // at most kMaxStatementNameBytes, cut between characters
  friend bool operator==(const CertificateStatement&, const CertificateStatement&) = default;
};

// What `certificate` states, its name cut to fit.
CertificateStatement StatementOf(const Certificate& certificate);
// The text form, signed. Requires issuer.public_key() == statement.issuer.
std::string SignStatement(const CertificateStatement& statement, const crypto::SecretKey& issuer);
// The statement of `text` (surrounding whitespace is ignored) if it is a whole
// statement and its issuer's signature holds; kInvalidArgument saying what is wrong
// otherwise.
Result<CertificateStatement> VerifyStatement(std::string_view text);

// The certificate file: a Certificate message holding the body, the issuer's signature
// and the signed statement for the QR code. Requires
// issuer.public_key() == certificate.issuer.
Bytes SignCertificate(const Certificate& certificate, const crypto::SecretKey& issuer);

struct CertificateCheck {
  std::optional<Certificate> certificate;  // what the file says, if it decodes
  std::string community;
  // The issuer as the certificate's own entries show them: the name of their
  // enrolment ("" if it carries none) and the highest role they hold (admin, else
  // coordinator; nullopt if neither is shown).
  std::string issuer_name;
  std::optional<Role> issuer_role;
  // The signed statement the file carries for the QR code ("" in files made before
  // statements); a statement that does not match the certificate is a problem.
  std::string statement;
  std::vector<std::string> problems;  // empty: the certificate proves what it says
  bool valid() const { return certificate.has_value() && problems.empty(); }
};

// Checks a certificate file offline: the issuer's signature, every entry's signature
// and community, every line against its entries, each recorder's and confirmer's
// role at the seq they acted, the issuer's role, the policy's caps, no overlaps, and
// every total.
CertificateCheck VerifyCertificate(ByteView file);

}  // namespace lovebank::ledger
