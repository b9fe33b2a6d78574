// Certificates of service hours: an honest one verifies offline and shows the right
// totals; one with an entry removed, a minute count altered or a confirmer whose role
// was revoked before the act fails with the reason, whether or not the forger could
// sign it again.
#include <gtest/gtest.h>

#include <algorithm>

#include "ledger/certificate.h"
#include "tests/support/test_support.h"

namespace lovebank::ledger {
namespace {

using testing::TestCommunity;

constexpr std::uint64_t kDay = 1'767'225'600'000;  // 2026-01-01 00:00 UTC
constexpr std::uint64_t kHour = 3'600'000;

bool Mentions(const CertificateCheck& check, const std::string& text) {
  return std::any_of(check.problems.begin(), check.problems.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

std::string AllProblems(const CertificateCheck& check) {
  std::string out;
  for (const auto& p : check.problems) out += p + "\n";
  return out;
}

class CertificateTest : public ::testing::Test {
 protected:
  CertificateTest() : state(c.genesis()) {
    Apply(c.Sign("admin", RoleGrant{c.key("coord"), Role::kCoordinator, 0}));
    Apply(c.Sign("admin", RoleGrant{c.key("coord2"), Role::kCoordinator, 0}));
    Apply(c.Sign("admin", Enrol{c.key("vol1"), "Grandpa Zhou", "Grid 1", "B2", {"elders", "river"}}));
    record1 = Apply(c.Sign("coord", ServiceRecord{"Visit", "care", kDay, 90, {c.key("vol1")}}));
    record2 = Apply(c.Sign("coord", ServiceRecord{"Clinic", "medical", kDay + 24 * kHour, 60,
                                                  {c.key("vol1")}}));
    // coord2 acts a few times, then confirms a claim at its seq 3.
    Apply(c.Sign("coord2", ServiceRecord{"Sweep", "cleaning", kDay, 30, {c.key("vol2")}}));
    Apply(c.Sign("coord2", ServiceRecord{"Sweep", "cleaning", kDay + kHour, 30, {c.key("vol2")}}));
    claim = Apply(c.Sign("vol1", ServiceClaim{"Shopping", "care", kDay + 48 * kHour, 45, {}}));
    confirm = Apply(c.Sign("coord2", ServiceConfirm{claim, "seen it"}));
  }

  EntryId Apply(VerifiedEntry v) {
    EntryId id = v.id;
    auto r = state.Add(std::move(v));
    EXPECT_NE(r.outcome, AddOutcome::kInvalid) << r.reason;
    state.Settle();
    return id;
  }

  Certificate Collect() {
    auto cert = CollectCertificate(state, c.key("vol1"), 0, kDay + 365 * 24 * kHour,
                                   c.key("coord"), kDay + 100 * kHour, Bytes(16, '\7'));
    EXPECT_TRUE(cert) << cert.error().message;
    return *cert;
  }

  TestCommunity c;
  LedgerState state;
  EntryId record1, record2, claim, confirm;
};

TEST_F(CertificateTest, HonestCertificateVerifiesWithItsTotals) {
  Certificate cert = Collect();
  EXPECT_EQ(cert.lines.size(), 3u);
  EXPECT_EQ(cert.total_minutes, 90u + 60 + 45);
  EXPECT_EQ(cert.volunteer_name, "Grandpa Zhou");
  using Totals = std::vector<std::pair<std::string, std::uint64_t>>;
  EXPECT_EQ(cert.by_category, (Totals{{"care", 135}, {"medical", 60}}));
  EXPECT_EQ(cert.by_team, (Totals{{"elders", 195}, {"river", 195}}));
  Bytes file = SignCertificate(cert, c.secret("coord"));
  CertificateCheck check = VerifyCertificate(file);
  EXPECT_TRUE(check.valid()) << AllProblems(check);
  EXPECT_EQ(check.certificate->total_minutes, 195u);
  EXPECT_EQ(SerialText(cert.serial).substr(0, 8), "LB-0707-");
}

TEST_F(CertificateTest, PeriodLimitsTheLines) {
  auto cert = CollectCertificate(state, c.key("vol1"), kDay + 12 * kHour, kDay + 36 * kHour,
                                 c.key("coord"), kDay, Bytes(16, '\1'));
  ASSERT_TRUE(cert);
  ASSERT_EQ(cert->lines.size(), 1u);
  EXPECT_EQ(cert->lines[0].source, record2);
  EXPECT_TRUE(VerifyCertificate(SignCertificate(*cert, c.secret("coord"))).valid());
}

TEST_F(CertificateTest, OnlyCoordinatorsAndAdminsIssue) {
  auto cert = CollectCertificate(state, c.key("vol1"), 0, kDay * 2, c.key("vol2"), kDay,
                                 Bytes(16, '\1'));
  ASSERT_FALSE(cert);
  EXPECT_EQ(cert.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(CertificateTest, RemovedEntryFailsSignedAgainOrNot) {
  Certificate cert = Collect();
  // A forger drops the first record from the file but keeps its line.
  std::string record_envelope = state.Find(record1)->envelope;
  std::erase(cert.service, record_envelope);
  // Without the issuer's key (the volunteer signs in the coordinator's name): the
  // signature breaks.
  CertificateCheck unsigned_check = VerifyCertificate(SignCertificate(cert, c.secret("vol1")));
  EXPECT_FALSE(unsigned_check.valid());
  EXPECT_TRUE(Mentions(unsigned_check, "altered after it was signed")) << AllProblems(unsigned_check);
  // With it (a dishonest issuer): the line no longer has its entry.
  CertificateCheck check = VerifyCertificate(SignCertificate(cert, c.secret("coord")));
  EXPECT_FALSE(check.valid());
  EXPECT_TRUE(Mentions(check, "does not carry: it was removed")) << AllProblems(check);
}

TEST_F(CertificateTest, AlteredMinutesFail) {
  {
    Certificate cert = Collect();
    cert.lines[0].minutes += 30;  // the line claims more than the record says
    CertificateCheck check = VerifyCertificate(SignCertificate(cert, c.secret("coord")));
    EXPECT_FALSE(check.valid());
    EXPECT_TRUE(Mentions(check, "says 120 minutes")) << AllProblems(check);
    EXPECT_TRUE(Mentions(check, "in total")) << AllProblems(check);
  }
  {
    Certificate cert = Collect();
    cert.total_minutes = 600;
    cert.by_category = {{"care", 540}, {"medical", 60}};
    CertificateCheck check = VerifyCertificate(SignCertificate(cert, c.secret("coord")));
    EXPECT_FALSE(check.valid());
    EXPECT_TRUE(Mentions(check, "states 600 minutes")) << AllProblems(check);
    EXPECT_TRUE(Mentions(check, "by category")) << AllProblems(check);
  }
}

TEST_F(CertificateTest, ConfirmerRevokedBeforeTheActFails) {
  Certificate cert = Collect();
  // An admin revoked coord2's coordinator role after its seq 2; its confirm is seq 3.
  VerifiedEntry revoke = c.Sign("admin", RoleRevoke{c.key("coord2"), Role::kCoordinator, 2});
  Apply(revoke);
  // The ledger itself no longer credits the claim...
  auto credits = state.Credits(c.key("vol1"));
  EXPECT_TRUE(std::none_of(credits.begin(), credits.end(),
                           [&](const ServiceCredit& s) { return s.source == claim; }));
  // ...and a certificate carrying the confirm with the revocation fails, signed or not.
  cert.authority.push_back(revoke.envelope);
  CertificateCheck check = VerifyCertificate(SignCertificate(cert, c.secret("coord")));
  EXPECT_FALSE(check.valid());
  EXPECT_TRUE(Mentions(check, "confirmer")) << AllProblems(check);
  EXPECT_TRUE(Mentions(check, "revoked it after seq 2")) << AllProblems(check);
  // An honest certificate issued now leaves the claim out and verifies.
  Certificate now = Collect();
  EXPECT_EQ(now.lines.size(), 2u);
  EXPECT_TRUE(VerifyCertificate(SignCertificate(now, c.secret("coord"))).valid());
}

TEST_F(CertificateTest, EntryOfAnotherCommunityAndGarbageFail) {
  Certificate cert = Collect();
  TestCommunity other(testing::TestPolicy(), 9);
  cert.service.push_back(other.Sign("vol1", ServiceClaim{"X", "care", kDay, 10, {}}).envelope);
  CertificateCheck check = VerifyCertificate(SignCertificate(cert, c.secret("coord")));
  EXPECT_FALSE(check.valid());
  EXPECT_TRUE(Mentions(check, "does not verify")) << AllProblems(check);
  EXPECT_FALSE(VerifyCertificate("not a certificate at all").valid());
  EXPECT_FALSE(VerifyCertificate("").valid());
}

// ---- the statement for the QR code --------------------------------------------------

// `file` with its statement field replaced: protobuf keeps the last of a repeated
// singular field, so appending one is how a forger would swap it.
Bytes WithStatement(Bytes file, const std::string& statement) {
  file.push_back(static_cast<char>(3 << 3 | 2));
  for (std::size_t n = statement.size();; n >>= 7) {
    file.push_back(static_cast<char>((n & 0x7F) | (n >= 0x80 ? 0x80 : 0)));
    if (n < 0x80) break;
  }
  return file + statement;
}

TEST_F(CertificateTest, FileCarriesASignedStatementThatSaysWhatItSays) {
  Certificate cert = Collect();
  CertificateCheck check = VerifyCertificate(SignCertificate(cert, c.secret("coord")));
  ASSERT_TRUE(check.valid()) << AllProblems(check);
  ASSERT_TRUE(check.statement.starts_with(kStatementPrefix)) << check.statement;
  auto statement = VerifyStatement(check.statement);
  ASSERT_TRUE(statement) << statement.error().message;
  EXPECT_EQ(statement->serial, cert.serial);
  EXPECT_EQ(statement->network, c.network());
  EXPECT_EQ(statement->volunteer, c.key("vol1"));
  EXPECT_EQ(statement->issuer, c.key("coord"));
  EXPECT_EQ(statement->volunteer_name, "Grandpa Zhou");
  EXPECT_EQ(statement->total_minutes, 195u);
  EXPECT_EQ(statement->activities, 3u);
  EXPECT_EQ(statement->from_ms, 0u);
  EXPECT_EQ(statement->to_ms, kDay + 365 * 24 * kHour);
  EXPECT_EQ(statement->issued_at_ms, kDay + 100 * kHour);
  // Small enough for a QR code a phone reads off paper.
  EXPECT_LT(check.statement.size(), 400u);
}

TEST_F(CertificateTest, IssuerNameAndRoleComeFromTheCertificatesOwnEntries) {
  Apply(c.Sign("admin", Enrol{c.key("coord"), "Wang Fang", "Grid 1", "B1", {}}));
  CertificateCheck check = VerifyCertificate(SignCertificate(Collect(), c.secret("coord")));
  ASSERT_TRUE(check.valid()) << AllProblems(check);
  EXPECT_EQ(check.issuer_name, "Wang Fang");
  EXPECT_EQ(check.issuer_role, Role::kCoordinator);
  // An admin without an enrolment: the role, and no name.
  auto by_admin =
      CollectCertificate(state, c.key("vol1"), 0, kDay * 2, c.key("admin"), kDay, Bytes(16, '\2'));
  ASSERT_TRUE(by_admin);
  CertificateCheck admin = VerifyCertificate(SignCertificate(*by_admin, c.secret("admin")));
  ASSERT_TRUE(admin.valid()) << AllProblems(admin);
  EXPECT_EQ(admin.issuer_role, Role::kAdmin);
  EXPECT_EQ(admin.issuer_name, "");
}

TEST_F(CertificateTest, AlteredOrForgedStatementsAreRefused) {
  std::string text = VerifyCertificate(SignCertificate(Collect(), c.secret("coord"))).statement;
  ASSERT_TRUE(VerifyStatement(text));
  EXPECT_TRUE(VerifyStatement("  " + text + "\n")) << "a scanned line with whitespace";
  // Any one character changed: the signature or the framing breaks.
  for (std::size_t i = kStatementPrefix.size(); i < text.size(); i += 7) {
    std::string altered = text;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(VerifyStatement(altered)) << "position " << i;
  }
  EXPECT_FALSE(VerifyStatement(text.substr(0, text.size() - 4)));
  EXPECT_FALSE(VerifyStatement(text + "AAAA"));
  EXPECT_FALSE(VerifyStatement("lbv1:" + text.substr(5)));
  EXPECT_FALSE(VerifyStatement(""));
  EXPECT_FALSE(VerifyStatement("lbc1:"));
  // A statement that says more minutes, signed by another key: its own signature holds,
  // so offline it proves only who signed it.
  CertificateStatement inflated = *VerifyStatement(text);
  inflated.total_minutes = 6000;
  inflated.issuer = c.key("vol2");
  auto forged = VerifyStatement(SignStatement(inflated, c.secret("vol2")));
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->issuer, c.key("vol2"));
  // Naming the coordinator as issuer while signing with another key fails.
  inflated.issuer = c.key("coord");
  auto impersonated = VerifyStatement(SignStatement(inflated, c.secret("vol2")));
  ASSERT_FALSE(impersonated);
  EXPECT_NE(impersonated.error().message.find("does not match"), std::string::npos);
}

TEST_F(CertificateTest, AFileWhoseStatementSaysOtherwiseIsNotValid) {
  Bytes file = SignCertificate(Collect(), c.secret("coord"));
  CertificateStatement inflated = *VerifyStatement(VerifyCertificate(file).statement);
  inflated.total_minutes += 600;
  CertificateCheck check =
      VerifyCertificate(WithStatement(file, SignStatement(inflated, c.secret("coord"))));
  EXPECT_FALSE(check.valid());
  EXPECT_TRUE(Mentions(check, "says other than the certificate")) << AllProblems(check);
  CertificateCheck garbage = VerifyCertificate(WithStatement(file, "lbc1:garbage"));
  EXPECT_FALSE(garbage.valid());
  EXPECT_TRUE(Mentions(garbage, "does not verify")) << AllProblems(garbage);
  // A file from before statements (none carried) is still valid.
  EXPECT_TRUE(VerifyCertificate(WithStatement(file, "")).valid());
}

TEST_F(CertificateTest, LongNamesAreCutBetweenCharacters) {
  Certificate cert = Collect();
  cert.volunteer_name.clear();
  for (int i = 0; i < 20; ++i) cert.volunteer_name += "张";  // 3 bytes each
  CertificateStatement s = StatementOf(cert);
  EXPECT_EQ(s.volunteer_name.size(), 48u);
  cert.volunteer_name = "a" + cert.volunteer_name;  // 61 bytes: cut to 46 + nothing split
  s = StatementOf(cert);
  EXPECT_EQ(s.volunteer_name.size(), 46u);
  EXPECT_EQ(s.volunteer_name.substr(0, 4), "a张");
  auto back = VerifyStatement(SignStatement(s, c.secret("coord")));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->volunteer_name, s.volunteer_name);
}

}  // namespace
}  // namespace lovebank::ledger
