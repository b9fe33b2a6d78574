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

}  // namespace
}  // namespace lovebank::ledger
