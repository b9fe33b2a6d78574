// "Refused, or counted as said", through the real programs: every case of the trust
// issue that once printed success for an act the ledger never counted. Each act is
// either refused with its reason and nothing stored (the node's state hash does not
// move), or it counts exactly as the wallet printed.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "tests/e2e/community_fixture.h"

namespace lovebank {
namespace {

class Trust : public Community {
 protected:
  std::string StateHash() { return Str(Ok("admin", {"status"}).at("state_hash")); }
  std::uint64_t Entries() { return U64(Ok("admin", {"status"}).at("entries")); }

  // `who` runs `args`, which must be refused with `exit_code` and a message holding
  // `reason`; nothing may be stored.
  void RefusedAndNothingStored(int exit_code, const std::string& reason, const std::string& who,
                               std::vector<std::string> args) {
    const std::string hash = StateHash();
    const std::uint64_t entries = Entries();
    std::string err = Refused(exit_code, who, std::move(args));
    EXPECT_NE(err.find(reason), std::string::npos) << err;
    EXPECT_NE(err.find("nothing was stored"), std::string::npos) << err;
    EXPECT_EQ(StateHash(), hash) << err;
    EXPECT_EQ(Entries(), entries);
  }

  // A local time `hours_ago` hours before now, as --start takes it (the community's
  // clock is UTC: the fixture founds it without an offset).
  static std::string HoursAgo(int hours_ago) {
    std::string t = LocalTime(NowMs() - static_cast<std::uint64_t>(hours_ago) * 3'600'000, 0);
    t[10] = 'T';
    return t;
  }
};

TEST_F(Trust, TwoFreshKeysCannotMintPoints) {
  Member("coord", "coordinator");
  std::string member = Member("vol");
  std::string a = Key("stranger_a");
  std::string b = Key("stranger_b");
  RefusedAndNothingStored(13, "is not an enrolled member", "stranger_a",
                          {"service", "claim", "--activity", "Nothing", "--category", "care",
                           "--minutes", "240", "--helped", b});
  // A member's second key, unenrolled, gets nothing either, even with the member as
  // the resident helped.
  RefusedAndNothingStored(13, "is not an enrolled member", "stranger_b",
                          {"service", "claim", "--activity", "Nothing", "--category", "care",
                           "--minutes", "240", "--helped", member});
  // And points cannot go to a key nobody enrolled.
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "60", "--volunteer", member, "--start", HoursAgo(3)});
  RefusedAndNothingStored(13, "not an enrolled member", "vol", {"transfer", a, "5"});
  EXPECT_EQ(U64(Account("vol").at("balance")), 10u);
}

TEST_F(Trust, ServiceTimesAreBoundedByTheEntrysTime) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  for (std::string start : {"2099-01-01T10:00", "1971-01-01T10:00"}) {
    RefusedAndNothingStored(13, "is after the time the entry was signed, or more than 3000 days",
                            "vol",
                            {"service", "claim", "--activity", "Later", "--category", "care",
                             "--minutes", "60", "--start", start});
    RefusedAndNothingStored(13, "pass --start", "coord",
                            {"service", "record", "--activity", "Later", "--category", "care",
                             "--minutes", "60", "--volunteer", vol, "--start", start});
  }
}

TEST_F(Trust, AClaimRightAfterARecordIsRefusedWithTheRecordNamed) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  // The record ends now; a claim without --start would end now too ("just ended").
  auto record = Ok("coord", {"service", "record", "--activity", "Courtyard", "--category",
                             "cleaning", "--minutes", "60", "--volunteer", vol});
  std::string err = Refused(13, "vol", {"service", "claim", "--activity", "Shopping",
                                        "--category", "care", "--minutes", "30"});
  EXPECT_NE(err.find("overlaps service record " + Str(record.at("id")).substr(0, 12)),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("pass --start"), std::string::npos) << err;
  // With a start that does not overlap it counts, and the confirmation says so.
  auto claim = Ok("vol", {"service", "claim", "--activity", "Shopping", "--category", "care",
                          "--minutes", "30", "--start", HoursAgo(3)});
  Ok("coord", {"service", "confirm", Str(claim.at("id"))});
  EXPECT_EQ(U64(Account("vol").at("minutes")), 90u);
}

TEST_F(Trust, ARegrantCountsFromTheGrantOn) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  Ok("admin", {"role", "revoke", "coord", "coordinator"});
  RefusedAndNothingStored(6, "coordinator", "coord",
                          {"service", "record", "--activity", "Visit", "--category", "care",
                           "--minutes", "30", "--volunteer", vol, "--start", HoursAgo(5)});
  Ok("admin", {"role", "grant", "coord", "coordinator"});
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "30", "--volunteer", vol, "--start", HoursAgo(5)});
  EXPECT_EQ(U64(Account("vol").at("minutes")), 30u);
  // Revoking a role the member does not hold changes nothing: refused.
  RefusedAndNothingStored(13, "does not hold the station role", "admin",
                          {"role", "revoke", "coord", "station"});
  RefusedAndNothingStored(13, "already holds the coordinator role", "admin",
                          {"role", "grant", "coord", "coordinator"});
}

TEST_F(Trust, AFencedKeyCannotGive) {
  Member("coord", "coordinator");
  std::string old_key = Member("vol");
  std::string friend_key = Member("friend");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "60", "--volunteer", old_key, "--start", HoursAgo(4)});
  std::string new_key = Key("vol_new");
  Ok("admin", {"recover", old_key, new_key, "--yes"});
  RefusedAndNothingStored(13, "was replaced by a key rotation or an admin's recovery", "vol",
                          {"transfer", friend_key, "5"});
  Ok("vol_new", {"transfer", friend_key, "5"});
  EXPECT_EQ(U64(Account("friend").at("balance")), 5u);
}

// A rejection after the points were spent leaves a debt: the balance says how much
// is owed and that nothing more can be spent; the gift waits, and later credits pay
// the debt first.
TEST_F(Trust, ADebtFromARejectedClaimIsShownAndPaidFirst) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  std::string friend_key = Member("friend");
  auto claim = Ok("vol", {"service", "claim", "--activity", "Reading", "--category", "care",
                          "--minutes", "60", "--start", HoursAgo(6)});
  Ok("coord", {"service", "confirm", Str(claim.at("id"))});
  Ok("vol", {"transfer", friend_key, "8"});
  Ok("coord", {"service", "reject", Str(claim.at("id")), "--reason", "was not there"});
  auto text = Wallet("vol", {"balance"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("points       0"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("owes 8 points"), std::string::npos) << text.out;
  EXPECT_EQ(U64(Ok("vol", {"balance"}).at("spendable")), 0u);
  RefusedAndNothingStored(5, "insufficient points", "vol", {"transfer", friend_key, "1"});
  // 30 minutes earn 5 points: the debt falls to 3, and still nothing can be spent.
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "30", "--volunteer", vol, "--start", HoursAgo(3)});
  text = Wallet("vol", {"balance"});
  EXPECT_NE(text.out.find("owes 3 points"), std::string::npos) << text.out;
  // The gift waits until the giver's credits cover it: then it counts whole.
  EXPECT_EQ(U64(Account("friend").at("balance")), 0u);
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "30", "--volunteer", vol, "--start", HoursAgo(2)});
  text = Wallet("vol", {"balance"});
  EXPECT_EQ(text.out.find("owes"), std::string::npos) << text.out;
  EXPECT_EQ(U64(Ok("vol", {"balance"}).at("spendable")), 2u);
  EXPECT_EQ(U64(Account("friend").at("balance")), 8u);
}

TEST_F(Trust, ActsThatChangeNothingAreRefused) {
  Member("coord", "coordinator");
  Member("vol");
  auto claim = Ok("vol", {"service", "claim", "--activity", "Reading", "--category", "care",
                          "--minutes", "30", "--start", HoursAgo(6)});
  std::string id = Str(claim.at("id"));
  Ok("coord", {"service", "confirm", id});
  RefusedAndNothingStored(13, "already confirmed and counted", "coord",
                          {"service", "confirm", id});
  auto other = Ok("vol", {"service", "claim", "--activity", "Cards", "--category", "care",
                          "--minutes", "30", "--start", HoursAgo(8)});
  std::string other_id = Str(other.at("id"));
  Ok("coord", {"service", "reject", other_id, "--reason", "not seen"});
  RefusedAndNothingStored(13, "was rejected", "coord", {"service", "confirm", other_id});
  RefusedAndNothingStored(13, "already rejected", "coord",
                          {"service", "reject", other_id, "--reason", "again"});
  Ok("admin", {"reverse", id, "--reason", "fraud", "--yes"});
  EXPECT_EQ(U64(Account("vol").at("minutes")), 0u);
  RefusedAndNothingStored(13, "counts nothing that this reversal would cancel", "admin",
                          {"reverse", id, "--reason", "fraud again", "--yes"});
}

TEST_F(Trust, ReEnrolmentIsRefusedAndAnUpdateKeepsWhatItDoesNotChange) {
  std::string key = Member("vol", {}, {"--grid", "Grid 1", "--team", "medical", "--team", "river"});
  RefusedAndNothingStored(13, "is already enrolled", "admin",
                          {"member", "enrol", key, "--name", "Vol Again"});
  Ok("admin", {"member", "update", key, "--grid", "Grid 2"});
  auto profile = Ok("vol", {"balance"}).at("profile");
  EXPECT_EQ(Str(profile.at("name")), "vol");
  EXPECT_EQ(Str(profile.at("grid")), "Grid 2");
  ASSERT_EQ(profile.at("teams").as_array().size(), 2u);  // no team dropped
}

TEST_F(Trust, ACertificateCoversAllOfTheVolunteersService) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  // Service that started before the community was founded (its genesis is minutes old).
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "60", "--volunteer", vol, "--start", HoursAgo(30)});
  auto issued =
      Ok("coord", {"certificate", "issue", "vol", "--out", dir_.Sub("vol.lbc")});
  EXPECT_EQ(U64(issued.at("total_minutes")), 60u) << json::serialize(issued);
}

}  // namespace
}  // namespace lovebank
