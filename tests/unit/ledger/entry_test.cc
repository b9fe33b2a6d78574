#include "ledger/entry.h"

#include <gtest/gtest.h>

#include "crypto/hashing.h"
#include "crypto/signing.h"
#include "ledger/rules.h"
#include "tests/support/test_support.h"

namespace lovebank::ledger {
namespace {

using testing::TestCommunity;

// A tiny protobuf writer, so tests can build bodies the encoder would never make.
struct Raw {
  Bytes out;
  Raw& Varint(std::uint64_t v) {
    do {
      std::uint8_t b = v & 0x7f;
      v >>= 7;
      out.push_back(static_cast<char>(v ? b | 0x80 : b));
    } while (v);
    return *this;
  }
  Raw& Field(int number, std::uint64_t v) { return Varint(number << 3).Varint(v); }
  Raw& Field(int number, ByteView bytes) {
    Varint((number << 3) | 2).Varint(bytes.size());
    out.append(bytes);
    return *this;
  }
};

Bytes Envelope(ByteView body, const crypto::SecretKey& key) {
  return Raw().Field(1, body).Field(2, crypto::SignEntryBody(key, body).view()).out;
}

// Body fields 1..6 of a valid transfer entry, written by hand.
Raw Header(TestCommunity& c, std::uint64_t version = 1) {
  Raw r;
  r.Field(1, version).Field(2, c.key("vol").view()).Field(3, 1).Field(5, c.network().view());
  r.Field(6, 1000);
  return r;
}
Bytes TransferKind(TestCommunity& c) {
  return Raw().Field(1, c.key("admin").view()).Field(2, 5).out;
}

RejectCode Refusal(ByteView envelope, const NetworkId& network) {
  auto v = VerifyEnvelope(envelope, network);
  EXPECT_FALSE(v) << "expected a refusal";
  return v ? RejectCode::kMalformed : v.error().code;
}

TEST(EntryCodec, SignedEntryRoundTrips) {
  TestCommunity c;
  auto signed_entry = c.Sign("vol", Transfer{c.key("admin"), 5, "for the soup"});
  auto v = VerifyEnvelope(signed_entry.envelope, c.network());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->id, signed_entry.id);
  EXPECT_EQ(v->entry.author, c.key("vol"));
  EXPECT_EQ(std::get<Transfer>(v->entry.kind).memo, "for the soup");
  EXPECT_EQ(KindName(v->entry.kind), "transfer");
}

TEST(EntryCodec, HandWrittenCanonicalBodyIsAccepted) {
  TestCommunity c;
  Bytes body = Header(c).Field(22, TransferKind(c)).out;
  auto v = VerifyEnvelope(Envelope(body, c.secret("vol")), c.network());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->id, EntryId::From(crypto::Blake2b256(body)));
  EXPECT_EQ(EncodeEntryBody(v->entry), body);
}

TEST(EntryCodec, EveryKindEncodesCanonically) {
  TestCommunity c;
  PublicKey k = c.key("x");
  EntryId id = c.genesis().id;
  std::vector<EntryKind> kinds = {
      Enrol{k, "Li Wei", "Grid 2", "Building 7", {"medical"}},
      RoleGrant{k, Role::kCoordinator, 3},
      RoleRevoke{k, Role::kStation, 0},
      NodeGrant{k, "office"},
      NodeRevoke{k, ""},
      Recover{k, c.key("y"), 9},
      ServiceRecord{"Clinic", "medical", 5, 60, {c.key("a"), c.key("b")}},
      ServiceClaim{"Shopping", "care", 5, 30, k},
      ServiceConfirm{id, ""},
      ServiceReject{id, "not there"},
      Transfer{k, 1, ""},
      CatalogItem{"Rice 5kg", 50, 10},
      Restock{id, 3},
      Redeem{id, k, 50, "n1"},
      Fulfil{id},
      Reversal{id, k, "fraud"},
      ForkResolution{k, 4, id},
      AuditCheckpoint{Bytes(32, 'r'), 7, Bytes(32, 's'), Bytes("hints")},
  };
  for (auto& kind : kinds) {
    if (auto* r = std::get_if<ServiceRecord>(&kind)) {
      std::sort(r->volunteers.begin(), r->volunteers.end());
    }
    auto v = c.Sign("author", kind);
    auto back = VerifyEnvelope(v.envelope, c.network());
    ASSERT_TRUE(back) << KindName(kind) << ": " << back.error().message;
    EXPECT_EQ(back->entry.kind.index(), kind.index());
  }
}

// A category may set its help requests' deadlines; one that does not keeps the bytes
// it had before deadlines existed, so founded ledgers keep their ids and hashes.
TEST(EntryCodec, CategoryDeadlinesRoundTripAndAreBounded) {
  TestCommunity c;
  Entry e;
  e.author = c.key("admin");
  e.seq = 1;
  e.timestamp_ms = 1000;
  Genesis g;
  g.community = "Test";
  g.admins = {c.key("admin")};
  g.policy.categories = {{"care", 10}, {"cleaning", 6}};
  e.kind = g;
  const Bytes plain = EncodeEntryBody(e);
  // Category "care" as written before deadlines: its name and its rate only.
  const Bytes care = Raw().Field(1, ByteView("care")).Field(2, 10).out;
  EXPECT_NE(plain.find(care), Bytes::npos);

  g.policy.categories[0].deadlines[static_cast<std::size_t>(Urgency::kEmergency)] = {30, 120};
  e.kind = g;
  const Bytes with = EncodeEntryBody(e);
  EXPECT_NE(with, plain);
  auto back = DecodeEntryBody(with);
  ASSERT_TRUE(back) << back.error().message;
  const Policy& p = std::get<Genesis>(back->kind).policy;
  EXPECT_EQ(DeadlinesFor(p, "care", Urgency::kEmergency).take_ms, 30u * 60'000);
  EXPECT_EQ(DeadlinesFor(p, "care", Urgency::kEmergency).resolve_ms, 120u * 60'000);
  EXPECT_EQ(DeadlinesFor(p, "care", Urgency::kNormal).take_ms,
            DeadlinesFor(Urgency::kNormal).take_ms)
      << "what the category does not set is the default";
  EXPECT_EQ(DeadlinesFor(p, "cleaning", Urgency::kEmergency).resolve_ms,
            DeadlinesFor(Urgency::kEmergency).resolve_ms);
  EXPECT_EQ(EncodeEntryBody(*back), with);

  g.policy.categories[0].deadlines[static_cast<std::size_t>(Urgency::kComplex)] = {
      0, kMaxRequestMinutes + 1};
  e.kind = g;
  auto too_long = DecodeEntryBody(EncodeEntryBody(e));
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("deadline"), std::string::npos)
      << too_long.error().message;
}

TEST(EntryCodec, KeyRotationMustBeSignedByTheOldKeyAtItsOwnSeq) {
  TestCommunity c;
  auto ok = c.Sign("vol", KeyRotate{c.key("vol"), c.key("vol2"), 1});
  EXPECT_TRUE(VerifyEnvelope(ok.envelope, c.network()));
  auto wrong = c.Sign("vol", KeyRotate{c.key("vol"), c.key("vol2"), 1});  // seq is 2
  EXPECT_EQ(Refusal(wrong.envelope, c.network()), RejectCode::kOutOfRange);
}

// Each malformed input and the exact reason it gets.
struct DecodeCase {
  const char* name;
  std::function<Bytes(TestCommunity&)> envelope;
  RejectCode expected;
};

TEST(EntryCodec, RefusesBadInputWithItsReason) {
  std::vector<DecodeCase> cases = {
      {"bad signature",
       [](TestCommunity& c) {
         auto v = c.Sign("vol", Transfer{c.key("admin"), 5, ""});
         Bytes body = EncodeEntryBody(v.entry);
         return Raw().Field(1, body).Field(2, crypto::SignEntryBody(c.secret("other"), body).view()).out;
       },
       RejectCode::kBadSignature},
      {"fields out of order",
       [](TestCommunity& c) {
         Raw r;
         r.Field(2, c.key("vol").view()).Field(1, 1).Field(3, 1).Field(5, c.network().view());
         r.Field(22, TransferKind(c));
         return Envelope(r.out, c.secret("vol"));
       },
       RejectCode::kNonCanonical},
      {"duplicate field",
       [](TestCommunity& c) {
         Raw r = Header(c);
         r.Field(6, 1001).Field(22, TransferKind(c));
         return Envelope(r.out, c.secret("vol"));
       },
       RejectCode::kNonCanonical},
      {"default value written",
       [](TestCommunity& c) {
         Raw r;
         r.Field(1, 1).Field(2, c.key("vol").view()).Field(3, 1).Field(5, c.network().view());
         r.Field(6, 0).Field(22, TransferKind(c));
         return Envelope(r.out, c.secret("vol"));
       },
       RejectCode::kNonCanonical},
      {"varint not minimal",
       [](TestCommunity& c) {
         Raw r;
         r.Varint(1 << 3).out.append("\x81\x00", 2);  // version = 1 in two bytes
         r.Field(2, c.key("vol").view()).Field(3, 1).Field(5, c.network().view());
         r.Field(22, TransferKind(c));
         return Envelope(r.out, c.secret("vol"));
       },
       RejectCode::kNonCanonical},
      {"unknown field inside a kind",
       [](TestCommunity& c) {
         Bytes kind = Raw().Field(1, c.key("admin").view()).Field(2, 5).Field(9, 1).out;
         return Envelope(Header(c).Field(22, kind).out, c.secret("vol"));
       },
       RejectCode::kNonCanonical},
      {"two kinds",
       [](TestCommunity& c) {
         Bytes fulfil = Raw().Field(1, c.network().view()).out;
         return Envelope(Header(c).Field(22, TransferKind(c)).Field(26, fulfil).out,
                         c.secret("vol"));
       },
       RejectCode::kNonCanonical},
      {"unknown kind",
       [](TestCommunity& c) { return Envelope(Header(c).Field(60, "x").out, c.secret("vol")); },
       RejectCode::kUnknownKind},
      {"no kind", [](TestCommunity& c) { return Envelope(Header(c).out, c.secret("vol")); },
       RejectCode::kUnknownKind},
      {"unknown version",
       [](TestCommunity& c) {
         return Envelope(Header(c, 2).Field(22, TransferKind(c)).out, c.secret("vol"));
       },
       RejectCode::kUnknownVersion},
      {"oversize",
       [](TestCommunity& c) {
         Bytes memo(kMaxEnvelopeBytes, 'm');
         Bytes kind = Raw().Field(1, c.key("admin").view()).Field(2, 5).Field(3, memo).out;
         return Envelope(Header(c).Field(22, kind).out, c.secret("vol"));
       },
       RejectCode::kOversize},
      {"memo too long",
       [](TestCommunity& c) {
         Bytes memo(kMaxTextBytes + 1, 'm');
         Bytes kind = Raw().Field(1, c.key("admin").view()).Field(2, 5).Field(3, memo).out;
         return Envelope(Header(c).Field(22, kind).out, c.secret("vol"));
       },
       RejectCode::kOutOfRange},
      {"201 volunteers",
       [](TestCommunity& c) {
         ServiceRecord r{"Big day", "care", 1, 60, {}};
         for (int i = 0; i <= 200; ++i) r.volunteers.push_back(c.key("v" + std::to_string(i)));
         std::sort(r.volunteers.begin(), r.volunteers.end());
         return c.Sign("coord", r).envelope;
       },
       RejectCode::kOutOfRange},
      {"volunteers unsorted",
       [](TestCommunity& c) {
         ServiceRecord r{"Day", "care", 1, 60, {c.key("a"), c.key("b")}};
         std::sort(r.volunteers.rbegin(), r.volunteers.rend());
         return c.Sign("coord", r).envelope;
       },
       RejectCode::kNonCanonical},
      {"zero points",
       [](TestCommunity& c) {
         Bytes kind = Raw().Field(1, c.key("admin").view()).out;
         return Envelope(Header(c).Field(22, kind).out, c.secret("vol"));
       },
       RejectCode::kOutOfRange},
      {"points above the bound",
       [](TestCommunity& c) {
         Bytes kind = Raw().Field(1, c.key("admin").view()).Field(2, kMaxPoints + 1).out;
         return Envelope(Header(c).Field(22, kind).out, c.secret("vol"));
       },
       RejectCode::kOutOfRange},
      {"negative points (-1 as a 64-bit varint)",
       [](TestCommunity& c) {
         Bytes kind = Raw().Field(1, c.key("admin").view()).Field(2, ~std::uint64_t{0}).out;
         return Envelope(Header(c).Field(22, kind).out, c.secret("vol"));
       },
       RejectCode::kOutOfRange},
      {"a day and a minute of service in one entry",
       [](TestCommunity& c) {
         return c.Sign("coord", ServiceRecord{"Long", "care", 1, kMaxMinutesPerEntry + 1,
                                              {c.key("a")}})
             .envelope;
       },
       RejectCode::kOutOfRange},
      {"revocation boundary that would wrap around",
       [](TestCommunity& c) {
         return c.Sign("admin", RoleRevoke{c.key("x"), Role::kCoordinator, ~std::uint64_t{0}})
             .envelope;
       },
       RejectCode::kOutOfRange},
      {"seq beyond 2^48",
       [](TestCommunity& c) {
         return c.SignAt("vol", kMaxSeq + 1, c.network(), Transfer{c.key("x"), 1, ""}).envelope;
       },
       RejectCode::kOutOfRange},
      {"short author key",
       [](TestCommunity& c) {
         Raw r;
         r.Field(1, 1).Field(2, "short").Field(3, 1).Field(5, c.network().view());
         r.Field(22, TransferKind(c));
         return Envelope(r.out, c.secret("vol"));
       },
       RejectCode::kMalformed},
      {"garbage", [](TestCommunity&) { return Bytes("\xff\xff\xff\xff garbage", 12); },
       RejectCode::kMalformed},
      {"wrong network",
       [](TestCommunity&) {
         TestCommunity elsewhere(testing::TestPolicy(), 99);
         return elsewhere.Sign("vol", Transfer{elsewhere.key("admin"), 5, ""}).envelope;
       },
       RejectCode::kWrongNetwork},
  };
  for (const auto& test_case : cases) {
    TestCommunity c;
    SCOPED_TRACE(test_case.name);
    EXPECT_EQ(RejectCodeName(Refusal(test_case.envelope(c), c.network())),
              RejectCodeName(test_case.expected));
  }
}

}  // namespace
}  // namespace lovebank::ledger
