// End to end: the real lovebank-node and lovebank binaries on temporary data
// directories, talking over loopback TCP. Every wallet command and every error the
// wallet promises (docs/cli.md) is exercised here and asserted on its output.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <unordered_map>

#include "base/bytes.h"
#include "base/hex.h"
#include "tests/e2e/community_fixture.h"
#include "wallet-cli/client.h"

namespace lovebank {
namespace {

TEST_F(Community, CoordinatorRecordsServiceForManyVolunteers) {
  Member("coord", "coordinator");
  std::vector<std::string> args{"service",  "record", "--activity", "Courtyard clean-up",
                                "--category", "cleaning", "--minutes", "120"};
  for (int i = 0; i < 12; ++i) {
    std::string who = "vol" + std::to_string(i);
    args.push_back("--volunteer");
    args.push_back(Member(who));
  }
  auto answer = Ok("coord", args);
  EXPECT_EQ(Str(answer.at("status")), "active");
  EXPECT_TRUE(answer.at("findings").as_array().empty());
  for (int i = 0; i < 12; ++i) {
    auto a = Account("vol" + std::to_string(i));
    EXPECT_EQ(U64(a.at("minutes")), 120u);
    EXPECT_EQ(U64(a.at("balance")), 12u);  // 2 h at 6 points an hour
  }
  // The table form names the volunteer and shows hours.
  auto table = Wallet("vol3", {"balance"});
  EXPECT_NE(table.out.find("vol3"), std::string::npos);
  EXPECT_NE(table.out.find("2 h"), std::string::npos);
  auto history = Ok("vol3", {"history"});
  bool found = false;
  for (const auto& e : history.at("entries").as_array()) {
    if (Str(e.at("kind")) == "service_record") {
      found = true;
      EXPECT_EQ(U64(e.at("effect").at("minutes")), 120u);
      EXPECT_EQ(e.at("effect").at("points").to_number<std::int64_t>(), 12);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_NE(Wallet("vol3", {"history"}).out.find("Courtyard clean-up"), std::string::npos);
  // Names resolve too, and the same volunteer twice is one volunteer.
  Ok("coord", {"service", "record", "--activity", "Tea", "--category", "care", "--minutes", "30",
               "--volunteer", "vol1", "--volunteer", "vol1", "--start", "2026-01-05T10:00"});
  EXPECT_EQ(U64(Account("vol1").at("minutes")), 150u);
}

TEST_F(Community, ClaimsAreConfirmedOrRejectedButNeverByTheClaimant) {
  Member("coord", "coordinator");
  Member("vol");
  auto claim = Ok("vol", {"service", "claim", "--activity", "Shopping", "--category", "care",
                          "--minutes", "60"});
  std::string id = Str(claim.at("id"));
  EXPECT_EQ(U64(Account("vol").at("minutes")), 0u);
  auto err = Refused(7, "vol", {"service", "confirm", id});
  EXPECT_NE(err.find("cannot confirm or reject your own service"), std::string::npos);
  // The 12 digits the wallet prints name the claim; so do 8, in either case; fewer are
  // a usage error, and an unknown prefix is not found.
  Refused(2, "coord", {"service", "confirm", id.substr(0, 7)});
  Refused(2, "coord", {"service", "confirm", "not-an-id"});
  std::string absent = id.substr(0, 11) + (id[11] == '0' ? "1" : "0");
  EXPECT_NE(Refused(8, "coord", {"service", "confirm", absent}).find(absent), std::string::npos);
  Ok("coord", {"service", "confirm", id.substr(0, 12)});
  EXPECT_EQ(U64(Account("vol").at("minutes")), 60u);
  EXPECT_EQ(U64(Account("vol").at("balance")), 10u);

  auto second = Ok("vol", {"service", "claim", "--activity", "Gardening", "--category", "care",
                           "--minutes", "30", "--start", "2026-02-01T09:00"});
  std::string second_upper = Str(second.at("id")).substr(0, 8);
  for (auto& ch : second_upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  Ok("coord", {"service", "reject", second_upper, "--reason", "no such activity"});
  EXPECT_EQ(U64(Account("vol").at("minutes")), 60u);
  // A resident the claim names as helped may confirm it.
  Member("resident");
  auto helped = Ok("vol", {"service", "claim", "--activity", "Reading", "--category", "care",
                           "--minutes", "30", "--start", "2026-02-02T09:00", "--helped",
                           "resident"});
  Ok("resident", {"service", "confirm", Str(helped.at("id"))});
  EXPECT_EQ(U64(Account("vol").at("minutes")), 90u);
  // A stranger may not.
  Member("stranger");
  auto other = Ok("vol", {"service", "claim", "--activity", "Cards", "--category", "care",
                          "--minutes", "30", "--start", "2026-02-03T09:00"});
  Refused(6, "stranger", {"service", "confirm", Str(other.at("id"))});
  Refused(8, "coord", {"service", "confirm", std::string(64, 'a')});
  Refused(13, "vol", {"service", "claim", "--activity", "x", "--category", "juggling",
                      "--minutes", "30"});
}

// Two members whose keys share their first 8 digits (found by drawing keys until two
// do: about 80,000 draws): those 8 name neither, and the refusal lists both.
TEST_F(Community, AKeyPrefixTwoMembersShareIsRefusedWithBoth) {
  std::unordered_map<std::uint32_t, std::string> seen;
  std::string a, b;
  for (int draw = 0; draw < 2'000'000 && b.empty(); ++draw) {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    ByteView key(reinterpret_cast<const char*>(pk), sizeof pk);
    std::uint32_t first = ReadBigEndian32(key);
    std::string hex = ToHex(key);
    auto [it, fresh] = seen.emplace(first, hex);
    if (!fresh && it->second != hex) a = it->second, b = hex;
  }
  ASSERT_FALSE(b.empty()) << "no two keys shared 8 digits";
  ASSERT_EQ(a.substr(0, 8), b.substr(0, 8));
  Ok("admin", {"member", "enrol", a, "--name", "Ms A"});
  Ok("admin", {"member", "enrol", b, "--name", "Mr B"});
  auto err = Refused(2, "admin", {"balance", a.substr(0, 8)});
  EXPECT_NE(err.find("Ms A"), std::string::npos) << err;
  EXPECT_NE(err.find("Mr B"), std::string::npos) << err;
  EXPECT_NE(Wallet("admin", {"--json", "balance", a.substr(0, 8)}).out.find("ambiguous_id"),
            std::string::npos);
  // Where they differ, a longer prefix names one.
  std::size_t differ = 8;
  while (a[differ] == b[differ]) ++differ;
  EXPECT_EQ(Str(Ok("admin", {"balance", a.substr(0, differ + 1)}).at("account")), a);
  EXPECT_EQ(Str(Ok("admin", {"balance", b.substr(0, differ + 1)}).at("account")), b);
}

// A transfer of 100 points or more asks first, on the terminal (here a pseudo-terminal
// made by script(1)); --yes answers for scripts; without either, nothing is signed.
TEST_F(Community, ALargeTransferAsksForAYesFirst) {
  Member("coord", "coordinator");
  std::string a = Member("alice");
  Member("bob");
  for (auto day : {"2026-04-01T09:00", "2026-04-02T09:00", "2026-04-03T09:00"}) {
    Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
                 "240", "--volunteer", a, "--start", day});  // 40 points each
  }
  ASSERT_EQ(U64(Account("alice").at("balance")), 120u);
  auto unasked = Refused(19, "alice", {"transfer", "bob", "100"});
  EXPECT_NE(unasked.find("Give 100 points to bob: this asks for a yes"), std::string::npos)
      << unasked;
  EXPECT_NE(unasked.find("Nothing was signed"), std::string::npos);
  // More than the points cover: refused by the rules, no question asked.
  Refused(5, "alice", {"transfer", "bob", "500"});
  EXPECT_EQ(U64(Account("alice").at("balance")), 120u);
  auto at_terminal = [&](const std::string& answer) {
    std::string line = std::string(LOVEBANK_WALLET_BIN) + " --keystore " + dir_.Sub("keys/alice") +
                       " --node " + Url() + " transfer bob 100";
    return RunProcess({"/usr/bin/script", "-qec", line, "/dev/null"},
                      {{"LOVEBANK_PASSPHRASE", kPassphrase}}, answer + "\n", 30);
  };
  auto no = at_terminal("no");
  EXPECT_EQ(no.exit_code, 19) << no.out << no.err;
  EXPECT_NE(no.out.find("This cannot be taken back. Type yes to go on:"), std::string::npos)
      << no.out;
  EXPECT_EQ(U64(Account("alice").at("balance")), 120u);
  auto yes = at_terminal("yes");
  EXPECT_EQ(yes.exit_code, 0) << yes.out << yes.err;
  EXPECT_NE(yes.out.find("Gave 100 points to bob"), std::string::npos) << yes.out;
  EXPECT_EQ(U64(Account("alice").at("balance")), 20u);
  EXPECT_EQ(U64(Account("bob").at("balance")), 100u);
  // Below the threshold, and with --yes, nothing is asked.
  Ok("alice", {"transfer", "bob", "10"});
  Ok("bob", {"transfer", "alice", "100", "--yes"});
  EXPECT_EQ(U64(Account("alice").at("balance")), 110u);
}

// A steward finds the claims waiting for them, oldest first, and acts on them by the
// short id the table shows; a resident sees those naming them; nobody sees their own.
TEST_F(Community, AStewardFindsTheClaimsWaitingForThem) {
  Member("coord", "coordinator");
  Member("vol");
  Member("resident");
  Member("stranger");
  auto plain = Str(Ok("vol", {"service", "claim", "--activity", "Shopping", "--category", "care",
                              "--minutes", "60", "--start", "2026-02-01T09:00"})
                       .at("id"));
  auto helped =
      Str(Ok("vol", {"service", "claim", "--activity", "Reading", "--category", "care", "--minutes",
                     "30", "--start", "2026-02-02T09:00", "--helped", "resident"})
              .at("id"));
  auto ids = [&](const std::string& who, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"service", "pending"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<std::string> out;
    const auto reply = Ok(who, args);
    for (const auto& c : reply.at("claims").as_array()) out.push_back(Str(c.at("id")));
    return out;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids("coord"), (Ids{plain, helped}));
  EXPECT_EQ(ids("resident"), Ids{helped});
  EXPECT_EQ(ids("vol"), Ids{});
  EXPECT_EQ(ids("stranger"), Ids{});
  EXPECT_EQ(ids("stranger", {"--all"}), (Ids{plain, helped}));
  EXPECT_EQ(ids("coord", {"--limit", "1"}), Ids{plain});
  auto table = Wallet("coord", {"service", "pending"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  for (const std::string& word :
       std::vector<std::string>{"Shopping", "Reading", "resident", plain.substr(0, 12),
                                "lovebank service confirm CLAIM"}) {
    EXPECT_NE(table.out.find(word), std::string::npos) << word << "\n" << table.out;
  }
  EXPECT_NE(Wallet("stranger", {"service", "pending"}).out.find("No claims are waiting for you"),
            std::string::npos);
  Ok("coord", {"service", "confirm", plain.substr(0, 12)});
  Ok("resident", {"service", "reject", helped.substr(0, 12), "--reason", "it was not me"});
  EXPECT_EQ(ids("coord"), Ids{});
  EXPECT_EQ(ids("stranger", {"--all"}), Ids{});
}

// The red steward's loop through the real wallet and node: a phoned-in request, two
// places, takes and work refused when they could never count, the steward's
// confirmation crediting exactly the work it names, and the story as `request show`.
TEST_F(Community, AHelpRequestIsTakenDoneAndConfirmed) {
  Member("steward", "coordinator");
  Member("chen", "", {"--grid", "Grid 2", "--building", "Building 3"});
  for (auto v : {"li", "wang", "zhao"}) Member(v);
  auto opened = Ok("steward", {"request", "open", "--category", "cleaning", "--title",
                               "Junk in the stairwell", "--for", "chen", "--volunteers", "2"});
  const std::string id = Str(opened.at("id"));
  const std::string shown = id.substr(0, 12);
  Ok("li", {"request", "take", shown});
  EXPECT_NE(Refused(7, "chen", {"request", "take", shown}).find("opened or one for yourself"),
            std::string::npos);
  auto take = Wallet("wang", {"request", "take", shown});
  ASSERT_EQ(take.exit_code, 0) << take.err;
  EXPECT_NE(take.out.find("You took request " + shown), std::string::npos) << take.out;
  EXPECT_NE(Refused(13, "zhao", {"request", "take", shown}).find("as many volunteers"),
            std::string::npos);
  EXPECT_NE(Refused(13, "zhao", {"request", "resolve", shown, "--minutes", "60"})
                .find("have not taken this request"),
            std::string::npos);
  auto done = Wallet("li", {"request", "resolve", shown, "--minutes", "90", "--start",
                            "2026-03-02T09:00", "--note", "three bags"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("credited when chen confirms"), std::string::npos) << done.out;
  Ok("wang", {"request", "resolve", shown, "--minutes", "60", "--start", "2026-03-02T09:00"});
  EXPECT_EQ(U64(Account("li").at("minutes")), 0u) << "nothing counts before confirmation";

  // A neighbour cannot confirm it; the steward may, since it was phoned in.
  EXPECT_NE(Refused(13, "zhao", {"request", "confirm", shown, "--rating", "5"}).find("resident"),
            std::string::npos);
  auto confirm =
      Wallet("steward", {"request", "confirm", shown, "--rating", "4", "--comment", "by phone"});
  ASSERT_EQ(confirm.exit_code, 0) << confirm.err;
  EXPECT_NE(confirm.out.find("li: 1 h 30 min"), std::string::npos) << confirm.out;
  EXPECT_EQ(U64(Account("li").at("minutes")), 90u);
  EXPECT_EQ(U64(Account("li").at("balance")), 9u);  // cleaning: 6 points an hour
  EXPECT_EQ(U64(Account("wang").at("minutes")), 60u);
  EXPECT_EQ(U64(Account("zhao").at("minutes")), 0u);
  // Confirmed: nothing more to confirm, and nobody takes it until it is reopened.
  Refused(13, "chen", {"request", "confirm", shown, "--rating", "5"});
  Refused(13, "zhao", {"request", "take", shown});

  auto story = Ok("chen", {"request", "show", shown});
  EXPECT_EQ(Str(story.at("state")), "confirmed");
  EXPECT_EQ(Str(story.at("grid")), "Grid 2") << "where comes from the resident's profile";
  EXPECT_EQ(story.at("takers").as_array().size(), 2u);
  EXPECT_EQ(story.at("credited").as_array().size(), 2u);
  EXPECT_TRUE(story.at("confirmed_by_steward").as_bool());
  EXPECT_EQ(story.at("acts").as_array().size(), 6u);
  auto table = Wallet("chen", {"request", "show", shown});
  for (std::string word : {"Junk in the stairwell", "three bags", "credited", "4/5"}) {
    EXPECT_NE(table.out.find(word), std::string::npos) << word << "\n" << table.out;
  }

  // A second request, escalated, then listed as open and escalated; the first is not.
  auto second = Str(Ok("chen", {"request", "open", "--category", "care", "--title", "Light bulb",
                                "--urgency", "emergency"})
                        .at("id"));
  Ok("steward", {"request", "escalate", second.substr(0, 12), "--to", "grid", "--reason", "late"});
  Refused(13, "steward",
          {"request", "escalate", second.substr(0, 12), "--to", "grid", "--reason", "again"});
  Refused(6, "li",
          {"request", "escalate", second.substr(0, 12), "--to", "street", "--reason", "x"});
  auto open = Ok("chen", {"request", "list", "--open"});
  ASSERT_EQ(open.at("requests").as_array().size(), 1u);
  EXPECT_EQ(Str(open.at("requests").as_array()[0].at("id")), second);
  EXPECT_EQ(Str(open.at("requests").as_array()[0].at("level")), "grid");
  EXPECT_EQ(Ok("li", {"request", "list", "--mine"}).at("requests").as_array().size(), 1u);
  EXPECT_EQ(Ok("li", {"request", "list", "--overdue"}).at("requests").as_array().size(), 0u)
      << "just opened: not overdue yet";
  Ok("chen", {"request", "close", second.substr(0, 12), "--reason", "cancelled"});
  EXPECT_EQ(Ok("chen", {"request", "list", "--open"}).at("requests").as_array().size(), 0u);
}

// The steward's closed loop across three nodes, as the issue tells it: opened at the
// office, taken and done at the grid station, confirmed at the office, and read at the
// street office, where the credits, the overdue list and the report must agree.
TEST_F(Community, AHelpRequestAcrossThreeNodes) {
  Member("steward", "coordinator");
  Member("chen", "", {"--grid", "Grid 2", "--building", "Building 3"});
  Member("zhou", "", {"--grid", "Grid 1", "--building", "Building 7"});
  for (auto v : {"li", "wang"}) Member(v);
  // The office listens for peers; the grid station and the street office join it.
  ASSERT_EQ(node_->Stop(), 0);
  const int office_port = testing::FreePort(), grid_port = testing::FreePort();
  const std::vector<std::string> quick{"--no-peer-exchange", "--sync-interval-ms", "300"};
  auto with = [&](std::vector<std::string> a) {
    a.insert(a.end(), quick.begin(), quick.end());
    return a;
  };
  node_ = StartNode("office", with({"--listen", "127.0.0.1:" + std::to_string(office_port)}));
  ASSERT_TRUE(node_);
  const std::string office_peer = "127.0.0.1:" + std::to_string(office_port);
  for (const char* place : {"grid", "street"}) {
    // Initialised now for their node keys, started once the admin has granted them.
    auto init = RunProcess({LOVEBANK_NODE_BIN, "init", "--data", dir_.Sub(place), "--genesis",
                            dir_.Sub("community/genesis.entry"), "--network-key",
                            dir_.Sub("community/network.key")});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    node_keys_[place] = init.out.substr(0, 64);
  }
  for (const char* place : {"office", "grid", "street"}) {
    Ok("admin", {"node", "grant", node_keys_[place], "--label", place});
  }
  auto grid = StartNode(
      "grid", with({"--listen", "127.0.0.1:" + std::to_string(grid_port), "--peer", office_peer}));
  ASSERT_TRUE(grid);
  auto street = StartNode(
      "street", with({"--peer", office_peer, "--peer", "127.0.0.1:" + std::to_string(grid_port)}));
  ASSERT_TRUE(street);
  const std::vector<std::string> urls{Url(), grid->url(), street->url()};
  auto in_sync = [&] {
    for (int tries = 0; tries < 300; ++tries) {
      std::set<std::string> hashes;
      for (const auto& url : urls) {
        auto r = Wallet("admin", {"--json", "status"}, url);
        if (r.exit_code == 0) hashes.insert(Str(Json(r).at("state_hash")));
      }
      if (hashes.size() == 1) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  auto at = [&](const std::string& url, const std::string& who, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    auto r = Wallet(who, args, url);
    EXPECT_EQ(r.exit_code, 0) << who << " at " << url << ": " << r.err << r.out;
    return r.exit_code == 0 ? Json(r) : json::value(json::object{});
  };

  // At the office: Auntie Chen phones about the stairwell; Mr Zhou's light is urgent.
  const std::string id =
      Str(Ok("steward", {"request", "open", "--category", "cleaning", "--title",
                         "Junk in the stairwell", "--for", "chen", "--volunteers", "2"})
              .at("id"));
  const std::string urgent =
      Str(Ok("steward", {"request", "open", "--category", "care", "--title", "No light", "--for",
                         "zhou", "--urgency", "emergency"})
              .at("id"));
  ASSERT_TRUE(in_sync());
  // At the grid station: Li and Wang take it and clear it.
  for (auto v : {"li", "wang"}) at(grid->url(), v, {"request", "take", id.substr(0, 12)});
  at(grid->url(), "li",
     {"request", "resolve", id.substr(0, 12), "--minutes", "90", "--start", "2026-03-02T09:00"});
  at(grid->url(), "wang",
     {"request", "resolve", id.substr(0, 12), "--minutes", "60", "--start", "2026-03-02T09:00"});
  ASSERT_TRUE(in_sync());
  // At the office: the steward confirms it for her, as she phoned.
  at(Url(), "steward", {"request", "confirm", id.substr(0, 12), "--rating", "5"});
  ASSERT_TRUE(in_sync());
  for (const auto& url : urls) {
    SCOPED_TRACE(url);
    EXPECT_EQ(U64(at(url, "li", {"balance"}).at("minutes")), 90u);
    EXPECT_EQ(U64(at(url, "li", {"balance"}).at("balance")), 9u);
    EXPECT_EQ(U64(at(url, "wang", {"balance"}).at("minutes")), 60u);
    EXPECT_EQ(Str(at(url, "chen", {"request", "show", id.substr(0, 12)}).at("state")), "confirmed");
  }

  // At the street office, two hours on: Mr Zhou's request was not taken within its hour.
  std::time_t later = static_cast<std::time_t>(testing::NowMs() / 1000) + 2 * 3600;
  std::tm tm{};
  ::gmtime_r(&later, &tm);  // the fixture's community keeps UTC
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M", &tm);
  auto overdue = at(street->url(), "admin", {"request", "list", "--overdue", "--at", text});
  ASSERT_EQ(overdue.at("requests").as_array().size(), 1u) << overdue;
  const auto& late = overdue.at("requests").as_array()[0];
  EXPECT_EQ(Str(late.at("id")), urgent);
  EXPECT_EQ(Str(late.at("overdue_for")), "take");
  EXPECT_GE(U64(late.at("overdue_ms")), 59u * 60'000);
  EXPECT_EQ(
      at(street->url(), "admin", {"request", "list", "--overdue"}).at("requests").as_array().size(),
      0u)
      << "by the node's own clock it is not late yet";
  at(Url(), "steward",
     {"request", "escalate", urgent.substr(0, 12), "--to", "community", "--reason", "overdue"});
  ASSERT_TRUE(in_sync());
  EXPECT_EQ(Str(at(street->url(), "admin", {"request", "show", urgent.substr(0, 12)}).at("level")),
            "community");

  // The committee's report, read at the street office.
  auto report = at(street->url(), "admin", {"report", "requests", "--by", "grid"});
  const auto& rows = report.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u) << report;
  const auto& g1 = rows[0].as_object();
  const auto& g2 = rows[1].as_object();
  EXPECT_EQ(Str(g1.at("group")), "Grid 1");
  EXPECT_EQ(U64(g1.at("opened")), 1u);
  EXPECT_EQ(U64(g1.at("taken")), 0u);
  EXPECT_TRUE(g1.at("mean_rating").is_null());
  EXPECT_EQ(Str(g2.at("group")), "Grid 2");
  EXPECT_EQ(U64(g2.at("opened")), 1u);
  EXPECT_EQ(U64(g2.at("taken_in_time")), 1u);
  EXPECT_EQ(U64(g2.at("resolved_in_time")), 1u);
  EXPECT_EQ(U64(g2.at("confirmed")), 1u);
  EXPECT_EQ(U64(g2.at("rated")), 1u);
  EXPECT_EQ(U64(g2.at("satisfied")), 1u);
  EXPECT_DOUBLE_EQ(g2.at("mean_rating").to_number<double>(), 5.0);
  EXPECT_LE(U64(g2.at("take_mean_ms")), U64(g2.at("resolve_mean_ms")));
  auto table = Wallet("admin", {"report", "requests", "--by", "category"}, street->url());
  ASSERT_EQ(table.exit_code, 0) << table.err;
  for (std::string word : {"cleaning", "care", "1/1", "100%"}) {
    EXPECT_NE(table.out.find(word), std::string::npos) << word << "\n" << table.out;
  }
  EXPECT_EQ(street->Stop(), 0);
  EXPECT_EQ(grid->Stop(), 0);
}

// A community sets how soon a category's requests are to be taken and done; what it
// does not set is the default, and a deadline the wallet cannot read is a usage error
// before anything is signed.
TEST_F(Community, ACategorySetsItsRequestDeadlines) {
  auto found = [&](const std::string& deadline, const std::string& out) {
    return Wallet("admin", {"--json", "community", "found", "--name", "East Lake", "--category",
                            "care=10", "--deadline", deadline, "--out", dir_.Sub(out)});
  };
  for (const char* bad :
       {"care:urgent=1h/2h", "care:emergency=3h/2h", "care:emergency=1h",
        "gardening:emergency=1h/2h", "care:emergency=31d/40d", "care:emergency=0m/2h"}) {
    auto r = found(bad, "bad");
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--deadline"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("bad/genesis.entry")));
  auto ok = found("care:emergency=30m/3h", "eastlake");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  std::string data = dir_.Sub("eastlake-node");
  auto init = RunProcess({LOVEBANK_NODE_BIN, "init", "--data", data, "--genesis",
                          dir_.Sub("eastlake/genesis.entry"), "--network-key",
                          dir_.Sub("eastlake/network.key")});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  NodeProcess node(LOVEBANK_NODE_BIN, data);
  ASSERT_TRUE(node.WaitReady()) << node.Log();
  auto status = Wallet("admin", {"--json", "status"}, node.url());
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const json::value answer = Json(status);
  const auto& care = answer.at("policy").at("categories").as_array()[0];
  EXPECT_EQ(U64(care.at("deadlines").at("emergency").at("take_minutes")), 30u);
  EXPECT_EQ(U64(care.at("deadlines").at("emergency").at("resolve_minutes")), 180u);
  EXPECT_EQ(U64(care.at("deadlines").at("normal").at("take_minutes")), 12u * 60);
  // The wallet tells the steward the category's deadlines, as the node holds them.
  auto enrol = Wallet("admin", {"member", "enrol", Key("admin"), "--name", "admin"}, node.url());
  ASSERT_EQ(enrol.exit_code, 0) << enrol.err;
  auto opened = Wallet(
      "admin",
      {"request", "open", "--category", "care", "--title", "No light", "--urgency", "emergency"},
      node.url());
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find("taken within 30 min and done within 3 h"), std::string::npos)
      << opened.out;
  // The default community of the fixture keeps the defaults.
  const json::value fixture = Ok("admin", {"status"});
  const auto& plain = fixture.at("policy").at("categories").as_array()[0];
  EXPECT_EQ(U64(plain.at("deadlines").at("emergency").at("take_minutes")), 60u);
}

// History by period and as CSV for a spreadsheet: a byte-order mark on request, whole
// ids, times with their offset, and a name that looks like a formula shown as text.
TEST_F(Community, HistoryByPeriodAndCsvThatSpreadsheetsReadSafely) {
  Member("coord", "coordinator");
  std::string evil = Key("evil");
  Ok("admin", {"member", "enrol", evil, "--name", "=HYPERLINK(\"http://x\",\"win\")"});
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes", "60",
               "--volunteer", evil});
  auto day = [](std::int64_t days_from_now) {
    std::time_t t = static_cast<std::time_t>(testing::NowMs() / 1000) + days_from_now * 86'400;
    std::tm tm{};
    ::gmtime_r(&t, &tm);  // the fixture's community keeps UTC
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
    return std::string(text);
  };
  auto count = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"history", evil};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto reply = Ok("coord", args);
    return reply.at("entries").as_array().size();
  };
  EXPECT_EQ(count({}), 2u);  // the enrolment and the record
  EXPECT_EQ(count({"--from", day(0), "--to", day(0)}), 2u);
  EXPECT_EQ(count({"--from", day(1)}), 0u);
  EXPECT_EQ(count({"--to", day(-1)}), 0u);
  EXPECT_NE(
      Wallet("coord", {"history", evil, "--from", day(1)}).out.find("No entries in this period"),
      std::string::npos);
  Refused(2, "coord", {"history", evil, "--from", "yesterday"});

  auto csv = Wallet("coord", {"history", evil, "--csv", "--bom"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_TRUE(csv.out.starts_with("\xEF\xBB\xBFtime,what,points,minutes,entry,status,notes\r\n"))
      << csv.out;
  EXPECT_NE(csv.out.find(day(0) + "T"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("+00:00,"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find(",10,60,"), std::string::npos) << "plain numbers: " << csv.out;
  EXPECT_FALSE(Wallet("coord", {"history", evil, "--csv"}).out.starts_with("\xEF\xBB\xBF"));
  auto board = Wallet("coord", {"report", "leaderboard", "--csv", "--bom"});
  ASSERT_EQ(board.exit_code, 0) << board.err;
  EXPECT_TRUE(board.out.starts_with("\xEF\xBB\xBF"));
  EXPECT_NE(board.out.find("\"'=HYPERLINK(\"\"http://x\"\",\"\"win\"\")\""), std::string::npos)
      << board.out;
  EXPECT_EQ(board.out.find(",=HYPERLINK"), std::string::npos) << board.out;
}

TEST_F(Community, TransfersAndTheOverdraftRefusal) {
  Member("coord", "coordinator");
  std::string a = Member("alice");
  std::string b = Member("bob");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "240", "--volunteer", a});  // 40 points
  auto err = Refused(5, "alice", {"transfer", b, "50"});
  EXPECT_NE(err.find("insufficient points: 40 available, 50 needed"), std::string::npos) << err;
  Ok("alice", {"transfer", "bob", "15", "--memo", "thanks"});
  EXPECT_EQ(U64(Account("alice").at("balance")), 25u);
  EXPECT_EQ(U64(Account("bob").at("balance")), 15u);
  Refused(7, "alice", {"transfer", a, "1"});
  // The refusal stored nothing and burnt no seq: the next entry still works.
  Ok("alice", {"transfer", "bob", "25"});
  EXPECT_EQ(U64(Account("alice").at("balance")), 0u);
}

TEST_F(Community, CatalogueRedeemAndFulfil) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  Member("station", "station");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "240", "--volunteer", vol});
  auto rice = Ok("station", {"catalog", "add", "--item", "Rice", "--price", "12", "--stock", "1"});
  Ok("station", {"catalog", "add", "--item", "Oil", "--price", "30", "--stock", "2"});
  auto list = Wallet("vol", {"catalog", "list"});
  EXPECT_NE(list.out.find("Rice"), std::string::npos);
  Refused(6, "vol", {"catalog", "add", "--item", "Fake", "--price", "1", "--stock", "1"});
  Refused(8, "vol", {"redeem", "Caviar"});

  auto redeem = Wallet("vol", {"redeem", "Rice", "--out", dir_.Sub("voucher.txt")});
  ASSERT_EQ(redeem.exit_code, 0) << redeem.err;
  EXPECT_NE(redeem.out.find("lbv1:"), std::string::npos);
  EXPECT_NE(redeem.out.find("\u2588"), std::string::npos);  // the QR code is drawn
  EXPECT_EQ(U64(Account("vol").at("balance")), 28u);
  // A voucher is never written over a file (or through a symlink), and the refusal comes
  // before anything is signed: no points spent.
  std::filesystem::create_symlink(dir_.Sub("victim"), dir_.Sub("planted"));
  for (const auto& out : {dir_.Sub("voucher.txt"), dir_.Sub("planted")}) {
    EXPECT_NE(Refused(2, "vol", {"redeem", "Oil", "--out", out}).find("already exists"),
              std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("victim")));
  EXPECT_EQ(U64(Account("vol").at("balance")), 28u);
  Refused(6, "vol", {"fulfil", dir_.Sub("voucher.txt")});
  auto fulfil = Ok("station", {"fulfil", dir_.Sub("voucher.txt")});
  EXPECT_EQ(Str(fulfil.at("status")), "active");
  EXPECT_TRUE(fulfil.at("voucher").at("funded").as_bool());
  auto err = Refused(10, "station", {"fulfil", dir_.Sub("voucher.txt")});
  EXPECT_NE(err.find("already fulfilled"), std::string::npos);
  auto catalog = Ok("vol", {"catalog", "list"});
  for (const auto& item : catalog.at("items").as_array()) {
    if (Str(item.at("name")) == "Rice") {
      EXPECT_EQ(U64(item.at("stock")), 0u);
      EXPECT_EQ(U64(item.at("fulfilled")), 1u);
    }
  }
  Refused(9, "vol", {"redeem", "Rice"});
  Ok("station", {"catalog", "restock", Str(rice.at("id")).substr(0, 12), "3"});
  Ok("vol", {"redeem", "Rice", "--no-qr"});
  Refused(5, "vol", {"redeem", "Oil"});  // 16 points left, 30 needed
  Refused(14, "station", {"fulfil", "lbv1:AAAA"});
}

// catalog remove: the gift leaves the catalogue and takes no new voucher or restock,
// while a voucher signed before is still handed over; only its station removes it.
TEST_F(Community, AWithdrawnGiftTakesNoNewVouchersButHonoursOldOnes) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  Member("station", "station");
  Member("station2", "station");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes", "240",
               "--volunteer", vol});
  Ok("station", {"catalog", "add", "--item", "大米", "--price", "12", "--stock", "3"});
  ASSERT_EQ(Wallet("vol", {"redeem", "大米", "--out", dir_.Sub("voucher.txt")}).exit_code, 0);
  EXPECT_EQ(U64(Account("vol").at("balance")), 28u);

  Refused(6, "station2", {"catalog", "remove", "大米"});
  auto removed = Wallet("station", {"catalog", "remove", "大米", "--reason", "换季"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_NE(removed.out.find("Withdrew '大米'"), std::string::npos) << removed.out;
  EXPECT_EQ(Wallet("vol", {"catalog", "list"}).out, "The catalogue is empty.\n");
  auto all = Ok("vol", {"catalog", "list", "--all"});
  ASSERT_EQ(all.at("items").as_array().size(), 1u);
  EXPECT_TRUE(all.at("items").as_array()[0].at("withdrawn").as_bool());
  EXPECT_NE(Wallet("vol", {"catalog", "list", "--all"}).out.find("大米 (withdrawn)"),
            std::string::npos);

  // Refused before anything is signed: no points spent, no stock added.
  auto again = Refused(13, "vol", {"redeem", "大米", "--no-qr"});
  EXPECT_NE(again.find("withdrawn"), std::string::npos) << again;
  EXPECT_EQ(U64(Account("vol").at("balance")), 28u);
  Refused(13, "station", {"catalog", "restock", "大米", "5"});
  Refused(13, "station", {"catalog", "withdraw", "大米"});
  auto zh = WalletWith({}, "vol", {"--lang", "zh-CN", "redeem", "大米", "--no-qr"});
  EXPECT_NE(zh.err.find("已从目录中撤下"), std::string::npos) << zh.err;

  auto fulfil = Ok("station", {"fulfil", dir_.Sub("voucher.txt")});
  EXPECT_EQ(Str(fulfil.at("status")), "active");
  auto item = Ok("vol", {"catalog", "list", "--all"}).at("items").as_array()[0];
  EXPECT_EQ(U64(item.at("stock")), 2u);
  EXPECT_EQ(U64(item.at("fulfilled")), 1u);
  auto history = Wallet("station", {"history"});
  EXPECT_NE(history.out.find("withdrew gift"), std::string::npos) << history.out;
}

TEST_F(Community, RevokedRolesAndNodeRoster) {
  std::string coord = Member("coord", "coordinator");
  std::string vol = Member("vol");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "60", "--volunteer", vol});
  Ok("admin", {"role", "revoke", coord, "coordinator"});
  auto err = Refused(6, "coord", {"service", "record", "--activity", "Visit", "--category",
                                  "care", "--minutes", "60", "--volunteer", vol, "--start",
                                  "2026-03-01T10:00"});
  EXPECT_NE(err.find("coordinator"), std::string::npos);
  EXPECT_EQ(U64(Account("vol").at("minutes")), 60u);  // acts before the revocation count
  Refused(6, "vol", {"role", "grant", vol, "admin"});
  Refused(2, "admin", {"role", "grant", vol, "emperor"});
  // Who holds what: the revoked coordinator no longer shows as one.
  auto holders = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"role", "list"});
    const auto reply = Ok("vol", args);
    std::vector<std::string> names;
    for (const auto& m : reply.at("members").as_array()) names.push_back(Str(m.at("account")));
    return names;
  };
  const std::string admin = Key("admin");
  EXPECT_EQ(holders({}), std::vector<std::string>{admin});
  EXPECT_EQ(holders({"coordinator"}), std::vector<std::string>{});
  Ok("admin", {"role", "grant", vol, "station"});
  EXPECT_EQ(holders({"station"}), std::vector<std::string>{vol});
  auto roles = Wallet("vol", {"role", "list"});
  EXPECT_NE(roles.out.find(vol.substr(0, 12)), std::string::npos) << roles.out;
  EXPECT_EQ(roles.out.find(vol), std::string::npos) << "whole keys only with --wide";
  EXPECT_NE(Wallet("vol", {"role", "list", "--wide"}).out.find(vol), std::string::npos);
  Refused(2, "vol", {"role", "list", "emperor"});
  // One member whole.
  auto shown = Wallet("vol", {"member", "show", "coord"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  for (const std::string& word :
       std::vector<std::string>{"coord", "roles        none", coord, "(signs now)"}) {
    EXPECT_NE(shown.out.find(word), std::string::npos) << word << "\n" << shown.out;
  }
  EXPECT_EQ(Str(Ok("vol", {"member", "show", coord.substr(0, 10)}).at("account")), coord);
  Refused(2, "vol", {"member", "show", "Nobody"});
  auto listed = Wallet("vol", {"member", "list"});
  EXPECT_NE(listed.out.find(coord.substr(0, 12)), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find(coord), std::string::npos) << listed.out;

  std::string node_key = node_keys_["office"];
  Ok("admin", {"node", "grant", node_key, "--label", "office"});
  auto status = Ok("admin", {"status"});
  ASSERT_EQ(status.at("node_roster").as_array().size(), 1u);
  EXPECT_EQ(Str(status.at("node_roster").as_array()[0]), node_key);
  EXPECT_NE(Wallet("vol", {"node", "list"}).out.find(node_key.substr(0, 12)), std::string::npos);
  EXPECT_NE(Wallet("vol", {"node", "list", "--wide"}).out.find(node_key), std::string::npos);
  Ok("admin", {"node", "revoke", node_key});
  EXPECT_TRUE(Ok("admin", {"status"}).at("node_roster").as_array().empty());
  EXPECT_NE(Wallet("vol", {"node", "list"}).out.find("No node has been admitted"),
            std::string::npos);
}

TEST_F(Community, ReportsByEveryGroupingAndTheLeaderboard) {
  Member("coord", "coordinator");
  std::string a = Member("ann", "", {"--grid", "G1", "--building", "B1", "--team", "care",
                                     "--team", "security"});
  std::string b = Member("ben", "", {"--grid", "G2", "--building", "B7", "--team", "care"});
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "120", "--volunteer", a, "--volunteer", b, "--start", "2026-10-10T09:00"});
  Ok("coord", {"service", "record", "--activity", "Sweep", "--category", "cleaning",
               "--minutes", "60", "--volunteer", a, "--start", "2026-11-02T09:00"});
  auto rows = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"report", "hours"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::map<std::string, std::uint64_t> out;
    auto report = Ok("coord", args);
    for (const auto& r : report.at("rows").as_array()) {
      out[Str(r.at("group"))] = U64(r.at("minutes"));
    }
    return out;
  };
  using M = std::map<std::string, std::uint64_t>;
  EXPECT_EQ(rows({"--by", "team"}), (M{{"care", 300}, {"security", 180}}));
  EXPECT_EQ(rows({"--by", "grid"}), (M{{"G1", 180}, {"G2", 120}}));
  EXPECT_EQ(rows({"--by", "building"}), (M{{"B1", 180}, {"B7", 120}}));
  EXPECT_EQ(rows({"--by", "category"}), (M{{"care", 240}, {"cleaning", 60}}));
  EXPECT_EQ(rows({"--by", "month"}), (M{{"2026-10", 240}, {"2026-11", 60}}));
  EXPECT_EQ(rows({"--by", "category", "--from", "2026-11-01", "--to", "2026-11-30"}),
            (M{{"cleaning", 60}}));
  auto csv = Wallet("coord", {"report", "hours", "--by", "grid", "--csv"});
  EXPECT_EQ(csv.out.substr(0, 49), "grid,hours,minutes,points,volunteers,entries\r\nG1,");
  Refused(2, "coord", {"report", "hours", "--by", "planet"});
  Refused(2, "coord", {"report", "hours", "--by", "team", "--from", "yesterday"});

  auto board = Ok("coord", {"report", "leaderboard", "--period", "year", "--at", "2026-06-01"});
  auto& r = board.at("rows").as_array();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(Str(r[0].at("name")), "ann");
  EXPECT_EQ(U64(r[0].at("minutes")), 180u);
  EXPECT_EQ(U64(r[1].at("rank")), 2u);
  auto month = Ok("coord", {"report", "leaderboard", "--period", "month", "--at", "2026-11-15"});
  ASSERT_EQ(month.at("rows").as_array().size(), 1u);
  EXPECT_NE(Wallet("coord", {"report", "leaderboard", "--period", "year", "--at", "2026-01-01"})
                .out.find("ann"),
            std::string::npos);
}

TEST_F(Community, AdminReversesFraudAndRecoversALostKey) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  auto record = Ok("coord", {"service", "record", "--activity", "Ghost work", "--category",
                             "care", "--minutes", "120", "--volunteer", vol});
  Ok("coord", {"service", "record", "--activity", "Real work", "--category", "care",
               "--minutes", "60", "--volunteer", vol, "--start", "2026-04-01T10:00"});
  EXPECT_EQ(U64(Account("vol").at("minutes")), 180u);
  Refused(6, "coord", {"reverse", Str(record.at("id")), "--reason", "never happened", "--yes"});
  // Without a terminal to ask on, a reversal needs --yes; nothing is signed without it.
  auto unasked =
      Refused(19, "admin", {"reverse", Str(record.at("id")), "--reason", "never happened"});
  EXPECT_NE(unasked.find("add --yes"), std::string::npos) << unasked;
  EXPECT_EQ(U64(Account("vol").at("minutes")), 180u);
  Ok("admin", {"reverse", Str(record.at("id")).substr(0, 12), "--reason", "never happened", "-y"});
  EXPECT_EQ(U64(Account("vol").at("minutes")), 60u);

  // The volunteer loses their key; the admin moves the account to a new one.
  std::string fresh = Key("vol-new");
  Refused(19, "admin", {"recover", vol.substr(0, 10), fresh});
  Ok("admin", {"recover", vol.substr(0, 10), fresh, "--yes"});  // a key's first digits name it
  auto moved = Ok("vol-new", {"balance"});
  EXPECT_EQ(U64(moved.at("minutes")), 60u);
  EXPECT_EQ(U64(moved.at("balance")), 10u);
  EXPECT_EQ(Str(moved.at("account")), vol);
}

TEST_F(Community, WalletErrorsEachHaveTheirExitCode) {
  Member("vol");
  // Wrong passphrase.
  auto wrong = RunProcess({LOVEBANK_WALLET_BIN, "--keystore", dir_.Sub("keys/vol"), "--node",
                           Url(), "service", "claim", "--activity", "x", "--category", "care",
                           "--minutes", "10"},
                          {{"LOVEBANK_PASSPHRASE", "not-the-passphrase"}});
  EXPECT_EQ(wrong.exit_code, 4) << wrong.err;
  EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos);
  // Passphrase from a file.
  std::ofstream(dir_.Sub("pass")) << kPassphrase << "\n";
  auto from_file = RunProcess({LOVEBANK_WALLET_BIN, "--keystore", dir_.Sub("keys/vol"), "--node",
                               Url(), "--passphrase-file", dir_.Sub("pass"), "service", "claim",
                               "--activity", "x", "--category", "care", "--minutes", "10"},
                              {{"LOVEBANK_PASSPHRASE", ""}});
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err;
  // Unreachable node.
  auto down = Wallet("vol", {"balance"}, "http://127.0.0.1:1");
  EXPECT_EQ(down.exit_code, 3);
  EXPECT_NE(down.err.find("cannot reach the node"), std::string::npos);
  // A keystore other users can read.
  ::chmod(dir_.Sub("keys/vol").c_str(), 0644);
  EXPECT_NE(Refused(12, "vol", {"balance"}).find("chmod 600"), std::string::npos);
  ::chmod(dir_.Sub("keys/vol").c_str(), 0600);
  // No keystore at all.
  Refused(12, "nobody", {"balance"});
  // Bad arguments.
  Refused(2, "vol", {"transfer"});
  Refused(2, "vol", {"balance", "not-a-key-or-name"});
  // --help everywhere.
  auto help = Wallet("vol", {"service", "record", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--volunteer"), std::string::npos);
}

// A mistyped command is named with what was meant, never "A subcommand is required";
// help, --version and the American spellings work; usage errors are JSON under --json.
TEST_F(Community, MistypedCommandsAreNamedWithWhatWasMeant) {
  Member("vol");
  auto said = [&](std::vector<std::string> args, const std::string& expected) {
    auto r = Wallet("vol", args);
    EXPECT_EQ(r.exit_code, 2) << args.front() << ": " << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("subcommand is required"), std::string::npos) << r.err;
  };
  said({"membr", "list"},
       "`membr` is not a command of `lovebank`; did you mean `lovebank member`?");
  said({"service", "confirmm", "x"}, "did you mean `lovebank service confirm`?");
  said({"service"}, "`lovebank service` needs a command: record, claim, confirm, reject");
  said({"juggle"}, "Its commands: key, agent, community, member");
  said({"help", "servce"}, "did you mean `lovebank service`?");
  said({"transfer", "vol", "2.5"}, "See `lovebank help transfer`");
  auto json_error = Wallet("vol", {"--json", "transfer", "vol", "2.5"});
  EXPECT_EQ(json_error.exit_code, 2);
  auto parsed = json::parse(json_error.out);
  EXPECT_EQ(Str(parsed.at("error")), "usage");
  EXPECT_NE(Str(parsed.at("message")).find("whole number"), std::string::npos) << json_error.out;

  auto version = Wallet("vol", {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(version.out.starts_with("lovebank ")) << version.out;
  auto help = Wallet("vol", {"help", "service", "confirm"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("Usage: lovebank service confirm"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("first 8 or more digits"), std::string::npos);
  EXPECT_NE(Wallet("vol", {"help"}).out.find("Usage: lovebank [OPTIONS] COMMAND"),
            std::string::npos);
  // The American spellings are the same commands.
  EXPECT_NE(Wallet("vol", {"fulfill", "--help"}).out.find("Usage: lovebank fulfil"),
            std::string::npos);
  std::string key = Key("newcomer");
  Ok("admin", {"member", "enroll", key, "--name", "Newcomer"});
  EXPECT_EQ(Str(Account("newcomer").at("name")), "Newcomer");

  auto node = RunProcess({LOVEBANK_NODE_BIN, "rn"}, {});
  EXPECT_EQ(node.exit_code, 2);
  EXPECT_NE(node.err.find("did you mean `lovebank-node run`?"), std::string::npos) << node.err;
  auto node_version = RunProcess({LOVEBANK_NODE_BIN, "--version"}, {});
  EXPECT_EQ(node_version.exit_code, 0);
  EXPECT_TRUE(node_version.out.starts_with("lovebank-node ")) << node_version.out;
}

// A key's backup, on a file or on paper, restores the same key once its passphrase
// opens it; a new passphrase replaces the old; a person at the prompt gets three tries.
TEST_F(Community, KeysAreBackedUpRestoredAndGivenANewPassphrase) {
  std::string vol = Member("vol");
  const std::string file = dir_.Sub("vol.backup");
  auto backup = Ok("vol", {"key", "backup", "--out", file, "--paper"});
  EXPECT_EQ(Str(backup.at("key")), vol);
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
  const std::string paper = Str(backup.at("paper"));
  EXPECT_TRUE(paper.starts_with("lbks1:"));
  EXPECT_EQ(paper.size(), 237u);
  EXPECT_NE(Wallet("vol", {"key", "backup", "--paper"}).out.find("\u2588"), std::string::npos);
  Refused(12, "vol", {"key", "backup", "--out", file});  // never over a file
  Refused(2, "vol", {"key", "backup"});

  EXPECT_EQ(Str(Ok("copy", {"key", "restore", file}).at("key")), vol);
  EXPECT_EQ(Wallet("copy", {"key", "show"}).out.substr(0, 64), vol);
  Refused(12, "copy", {"key", "restore", file});  // never over a keystore
  EXPECT_EQ(Str(Ok("paper", {"key", "restore", paper}).at("key")), vol);
  Refused(2, "other", {"key", "restore", paper.substr(0, 100)});
  auto wrong = RunProcess({LOVEBANK_WALLET_BIN, "--keystore", dir_.Sub("keys/third"), "--node",
                           Url(), "key", "restore", file},
                          {{"LOVEBANK_PASSPHRASE", "not-the-passphrase"}});
  EXPECT_EQ(wrong.exit_code, 4) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("keys/third")));

  // A new passphrase: the old one no longer signs, the new one does.
  std::ofstream(dir_.Sub("new-pass")) << "a much longer passphrase\n";
  Refused(2, "vol", {"key", "passphrase"});  // LOVEBANK_PASSPHRASE holds the old one
  Ok("vol", {"key", "passphrase", "--new-passphrase-file", dir_.Sub("new-pass")});
  auto claim = [&](const std::string& passphrase) {
    return RunProcess(
        {LOVEBANK_WALLET_BIN, "--keystore", dir_.Sub("keys/vol"), "--node", Url(), "service",
         "claim", "--activity", "x", "--category", "care", "--minutes", "10"},
        {{"LOVEBANK_PASSPHRASE", passphrase}});
  };
  EXPECT_EQ(claim(kPassphrase).exit_code, 4);
  EXPECT_EQ(claim("a much longer passphrase").exit_code, 0);

  // Three tries at the terminal (a pseudo-terminal made by script(1)), each line typed
  // after its prompt: the prompt discards what was typed before it, as getpass does.
  auto at_terminal = [&](const std::vector<std::string>& lines) {
    std::string typing = "(";
    for (const auto& l : lines) typing += "sleep 2.5; echo '" + l + "'; ";
    typing += "sleep 1)";
    std::string wallet = std::string(LOVEBANK_WALLET_BIN) + " --keystore " + dir_.Sub("keys/copy") +
                         " --node " + Url() + " key backup --paper";
    return RunProcess(
        {"/bin/sh", "-c", typing + " | /usr/bin/script -qec '" + wallet + "' /dev/null"},
        {{"LOVEBANK_PASSPHRASE", ""}}, "", 60);
  };
  auto third = at_terminal({"wrong one", "wrong two", kPassphrase});
  EXPECT_EQ(third.exit_code, 0) << third.out << third.err;
  EXPECT_NE(third.out.find("try again (2 of 3)"), std::string::npos) << third.out;
  EXPECT_NE(third.out.find("lbks1:"), std::string::npos) << third.out;
  auto never = at_terminal({"wrong one", "wrong two", "wrong three"});
  EXPECT_EQ(never.exit_code, 4) << never.out;
  EXPECT_NE(never.out.find("wrong passphrase"), std::string::npos) << never.out;
}

TEST_F(Community, RestoredBackupNeverForksTheAccount) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  Ok("vol", {"service", "claim", "--activity", "a", "--category", "care", "--minutes", "10"});
  // Back up the wallet, sign more, then restore the backup.
  std::filesystem::copy_file(dir_.Sub("keys/vol.chain"), dir_.Sub("backup.chain"));
  Ok("vol", {"service", "claim", "--activity", "b", "--category", "care", "--minutes", "10",
             "--start", "2026-05-01T10:00"});
  std::filesystem::copy_file(dir_.Sub("backup.chain"), dir_.Sub("keys/vol.chain"),
                             std::filesystem::copy_options::overwrite_existing);
  auto err = Refused(11, "vol", {"service", "claim", "--activity", "c", "--category", "care",
                                 "--minutes", "10", "--start", "2026-05-02T10:00"});
  EXPECT_NE(err.find("lovebank key resync"), std::string::npos);
  // The same with no chain record at all (the keystore copied to a new computer).
  std::filesystem::remove(dir_.Sub("keys/vol.chain"));
  Refused(11, "vol", {"service", "claim", "--activity", "c", "--category", "care", "--minutes",
                      "10", "--start", "2026-05-02T10:00"});
  auto resync = Ok("vol", {"key", "resync"});
  EXPECT_EQ(U64(resync.at("seq")), 2u);
  Ok("vol", {"service", "claim", "--activity", "c", "--category", "care", "--minutes", "10",
             "--start", "2026-05-02T10:00"});
  auto status = Ok("vol", {"status"});
  EXPECT_EQ(U64(status.at("forks")), 0u);
  EXPECT_EQ(U64(status.at("pending")), 0u);
}

TEST_F(Community, NodeDownRefusesBeforeSigningAndBurnsNoSeq) {
  std::string vol = Member("vol");
  Member("coord", "coordinator");
  node_->Stop();
  auto down = Wallet("vol", {"service", "claim", "--activity", "a", "--category", "care",
                             "--minutes", "10"});
  EXPECT_EQ(down.exit_code, 3);  // refused before signing: the chain head is unknown
  node_ = StartNode("office");
  ASSERT_TRUE(node_);
  Ok("vol", {"service", "claim", "--activity", "a", "--category", "care", "--minutes", "10"});
  EXPECT_EQ(U64(Ok("vol", {"status"}).at("forks")), 0u);
}

// Something at --node that is not a lovebank-node (or a hostile one) answering JSON of
// the wrong shape, or no JSON at all: the wallet says so and exits, it does not crash.
TEST_F(Community, NonsenseFromTheNodeIsAnErrorNotACrash) {
  Key("vol");
  for (std::string body : {std::string(R"({"entries": "many", "network": 5, "accounts": {}})"),
                           std::string("<html>hello</html>")}) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    std::atomic<bool> done{false};
    std::thread server([&] {
      acceptor.non_blocking(true);
      while (!done) {
        boost::system::error_code ec;
        boost::asio::ip::tcp::socket socket(io);
        acceptor.accept(socket, ec);
        if (ec) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        socket.non_blocking(false);
        std::string request;
        boost::asio::read_until(socket, boost::asio::dynamic_buffer(request), "\r\n\r\n", ec);
        std::string response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: " + std::to_string(body.size()) +
                               "\r\nConnection: close\r\n\r\n" + body;
        boost::asio::write(socket, boost::asio::buffer(response), ec);
      }
    });
    std::string url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    for (std::vector<std::string> args : {std::vector<std::string>{"status"},
                                          std::vector<std::string>{"balance"},
                                          std::vector<std::string>{"member", "list"}}) {
      auto r = Wallet("vol", args, url);
      EXPECT_EQ(r.exit_code, 1) << args[0] << " on " << body << ": " << r.err;
      EXPECT_NE(r.err.find(body[0] == '{' ? "does not understand" : "not JSON"),
                std::string::npos)
          << r.err;
    }
    done = true;
    server.join();
  }
}

TEST_F(Community, StationNodeFulfilsOfflineUpToItsLimit) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  std::string station = Member("station", "station");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "240", "--volunteer", vol});  // 40 points
  Ok("station", {"catalog", "add", "--item", "Soap", "--price", "5", "--stock", "10"});
  Ok("station", {"catalog", "add", "--item", "Towel", "--price", "20", "--stock", "10"});

  // The station's own node knows the admin's and the station's chains (as after an
  // earlier sync) but not the coordinator's credit, so it cannot prove the points.
  auto station_node = StartNode("station-node", {"--offline-limit", "10"});
  ASSERT_TRUE(station_node);
  // Copy the two chains entry by entry through the station node's API.
  auto office = wallet::NodeClient::Create(Url());
  auto remote = wallet::NodeClient::Create(station_node->url());
  ASSERT_TRUE(office && remote);
  auto copy_chain = [&](const std::string& who) {
    auto chain = office->Get("/v1/chains/" + Key(who) + "?from=1&limit=1000");
    ASSERT_TRUE(chain);
    for (const auto& e : chain->at("entries").as_array()) {
      auto post = remote->Post("/v1/entries", json::object{{"envelope", e.at("envelope")}});
      ASSERT_TRUE(post) << post.error().message;
    }
  };
  copy_chain("admin");
  copy_chain("station");

  for (const char* file : {"soap1.txt", "soap2.txt", "soap3.txt"}) {
    Ok("vol", {"redeem", "Soap", "--no-qr", "--out", dir_.Sub(file)});
  }
  Ok("vol", {"redeem", "Towel", "--no-qr", "--out", dir_.Sub("towel.txt")});
  auto fulfilled =
      Wallet("station", {"--json", "fulfil", dir_.Sub("soap1.txt")}, station_node->url());
  ASSERT_EQ(fulfilled.exit_code, 0) << fulfilled.err;
  auto fulfil = Json(fulfilled);
  EXPECT_FALSE(fulfil.at("voucher").at("funded").as_bool());
  EXPECT_EQ(fulfil.at("voucher").at("unproven_points").to_number<std::uint64_t>(), 0u);
  // The second soap brings the unproven vouchers to the limit exactly (5 + 5 = 10): the
  // first, handed over, counts once, as the voucher's answer shows.
  fulfilled = Wallet("station", {"--json", "fulfil", dir_.Sub("soap2.txt")}, station_node->url());
  ASSERT_EQ(fulfilled.exit_code, 0) << fulfilled.err;
  EXPECT_EQ(Json(fulfilled).at("voucher").at("unproven_points").to_number<std::uint64_t>(), 5u);
  for (const char* file : {"soap3.txt", "towel.txt"}) {  // 15 and 30: over the limit
    auto err = Wallet("station", {"fulfil", dir_.Sub(file)}, station_node->url());
    EXPECT_EQ(err.exit_code, 13) << file << ": " << err.err;
    EXPECT_NE(err.err.find("offline limit of 10 points"), std::string::npos) << err.err;
  }
  // Online, at the office node, the towel voucher is provably funded.
  Ok("station", {"fulfil", dir_.Sub("towel.txt")});
  EXPECT_EQ(station_node->Stop(), 0);
}

TEST_F(Community, NodeCommandsIdRebuildAndCleanShutdown) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "60", "--volunteer", vol});
  auto id = RunProcess({LOVEBANK_NODE_BIN, "id", "--data", dir_.Sub("office")});
  EXPECT_EQ(id.exit_code, 0);
  EXPECT_EQ(id.out.substr(0, 64), node_keys_["office"]);
  std::string live = Str(Ok("vol", {"status"}).at("state_hash"));
  EXPECT_EQ(node_->Stop(), 0);  // SIGTERM: clean exit
  auto rebuild = RunProcess({LOVEBANK_NODE_BIN, "rebuild", "--data", dir_.Sub("office")});
  EXPECT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_EQ(rebuild.out.substr(0, 64), live);
  // A second init into the same directory is refused; a missing one is explained.
  auto again = RunProcess({LOVEBANK_NODE_BIN, "init", "--data", dir_.Sub("office"), "--genesis",
                           dir_.Sub("community/genesis.entry"), "--network-key",
                           dir_.Sub("community/network.key")});
  EXPECT_NE(again.exit_code, 0);
  auto missing = RunProcess({LOVEBANK_NODE_BIN, "id", "--data", dir_.Sub("nowhere")});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("init"), std::string::npos);
  // The restarted node serves the same state.
  node_ = StartNode("office");
  ASSERT_TRUE(node_);
  EXPECT_EQ(Str(Ok("vol", {"status"}).at("state_hash")), live);
}

// A month's statement as a volunteer and a station read it: the balance the month
// opened and closed with, service earned, points received and spent, every entry, and
// at the station the gifts handed over by item. Entries count in the month they were
// signed (today), so last month is empty and closes where this month opens.
TEST_F(Community, MonthlyStatementsOfAVolunteerAndAStation) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  Member("friend");
  Member("station", "station");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes", "120",
               "--volunteer", vol});  // +20 points (care=10/h)
  Ok("friend", {"service", "claim", "--activity", "Sweep", "--category", "cleaning", "--minutes",
                "60", "--start", "2026-03-01T09:00"});
  Ok("vol", {"transfer", "friend", "3", "--memo", "tea"});  // -3
  Ok("station", {"catalog", "add", "--item", "Rice", "--price", "12", "--stock", "5"});
  ASSERT_EQ(Wallet("vol", {"redeem", "Rice", "--out", dir_.Sub("v.txt")}).exit_code, 0);
  Ok("station", {"fulfil", dir_.Sub("v.txt")});  // -12
  const std::uint64_t balance = U64(Account("vol").at("balance"));
  ASSERT_EQ(balance, 20u - 3 - 12);

  auto now = Ok("vol", {"statement"});
  const std::string month = Str(now.at("month"));
  EXPECT_EQ(I64(now.at("opening_balance")), 0);
  EXPECT_EQ(I64(now.at("closing_balance")), static_cast<std::int64_t>(balance));
  EXPECT_EQ(U64(now.at("minutes")), 120u);
  EXPECT_EQ(I64(now.at("earned")), 20);
  EXPECT_EQ(I64(now.at("received")), 0);
  EXPECT_EQ(I64(now.at("spent")), 15);
  EXPECT_EQ(U64(now.at("minutes_by_category").at("care")), 120u);
  // The friend received 3 and has served nothing confirmed yet.
  auto other = Ok("vol", {"statement", "friend"});
  EXPECT_EQ(I64(other.at("received")), 3);
  EXPECT_EQ(I64(other.at("closing_balance")), 3);

  // The month before: nothing signed in it, and it closes at what this one opens with.
  int y = std::stoi(month.substr(0, 4)), m = std::stoi(month.substr(5, 2));
  std::string before = m == 1 ? fmt::format("{}-12", y - 1) : fmt::format("{}-{:02}", y, m - 1);
  auto last = Ok("vol", {"statement", "--month", before});
  EXPECT_EQ(I64(last.at("opening_balance")), 0);
  EXPECT_EQ(I64(last.at("closing_balance")), 0);
  EXPECT_TRUE(last.at("entries").as_array().empty());

  // The station's month: the gift it handed over, by item.
  auto station = Ok("station", {"statement"});
  EXPECT_EQ(U64(station.at("gifts_handed_over").at("Rice").at("count")), 1u);
  EXPECT_EQ(U64(station.at("gifts_handed_over").at("Rice").at("points")), 12u);
  auto zh = WalletWith({{"LANG", "zh_CN.UTF-8"}}, "station", {"statement"});
  EXPECT_EQ(zh.exit_code, 0) << zh.err;
  EXPECT_NE(zh.out.find("本兑换站发放的礼品"), std::string::npos) << zh.out;
  EXPECT_NE(zh.out.find("月末余额"), std::string::npos) << zh.out;
  auto text = Wallet("vol", {"statement"});
  // Both ends of a transfer by name.
  EXPECT_NE(text.out.find("3 points from vol to friend: tea"), std::string::npos) << text.out;
  EXPECT_NE(
      text.out.find(fmt::format("  closing balance  {} points (the month is not over)", balance)),
      std::string::npos)
      << text.out;
  // CSV for a spreadsheet, with the mark Excel needs.
  auto csv = Wallet("vol", {"statement", "--csv", "--bom"});
  EXPECT_EQ(csv.out.rfind("\xEF\xBB\xBF", 0), 0u);
  EXPECT_NE(csv.out.find("Visit"), std::string::npos) << csv.out;
  // Bad months are usage errors, refused before anything is asked of the node.
  EXPECT_EQ(Wallet("vol", {"statement", "--month", "2026-13"}).exit_code, 2);
  EXPECT_EQ(Wallet("vol", {"statement", "--month", "March"}).exit_code, 2);
  EXPECT_EQ(Wallet("vol", {"statement", "--month", "2999-01"}).exit_code, 2);
}

// Completion and the manual page come from the same command tree as --help: every
// command is offered where it can be typed, options after their command, and the
// manual lists each command with its help sentence.
TEST_F(Community, ShellCompletionAndManualPageFromTheHelp) {
  auto bash = Wallet("admin", {"completion", "bash"});
  ASSERT_EQ(bash.exit_code, 0) << bash.err;
  std::string script = dir_.Sub("lovebank.bash");
  std::ofstream(script) << bash.out;
  // What bash offers after the words typed so far (the last one being completed).
  auto offered = [&](const std::string& words) {
    std::string line = "source '" + script + "'; COMP_WORDS=(" + words +
                       "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _lovebank; "
                       "printf '%s\\n' \"${COMPREPLY[@]}\"";
    auto r = RunProcess({"/bin/bash", "-c", line}, {});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  // After a whole command, its options; after a word that is none, the commands again.
  EXPECT_NE(offered("lovebank statement ''").find("--month\n"), std::string::npos);
  EXPECT_NE(offered("lovebank stat ''").find("statement\n"), std::string::npos);
  EXPECT_EQ(offered("lovebank stat"), "statement\nstatus\n");
  EXPECT_EQ(offered("lovebank --json service c"), "claim\nconfirm\n");
  EXPECT_EQ(offered("lovebank certificate verify --o"), "--offline\n");
  EXPECT_EQ(offered("lovebank transfer --m"), "--memo\n");
  // The program's own options after a command, but not --version.
  EXPECT_NE(offered("lovebank balance --").find("--json\n"), std::string::npos);
  EXPECT_EQ(offered("lovebank balance --").find("--version"), std::string::npos);
  // A value after an option is not taken for a command.
  EXPECT_EQ(offered("lovebank --node http://x service p"), "pending\n");
  auto zsh = Wallet("admin", {"completion", "zsh"});
  EXPECT_EQ(zsh.out.rfind("#compdef lovebank\n", 0), 0u) << zsh.out.substr(0, 80);
  EXPECT_EQ(Wallet("admin", {"completion", "fish"}).exit_code, 2);

  auto manual = Wallet("admin", {"manual"});
  ASSERT_EQ(manual.exit_code, 0) << manual.err;
  EXPECT_EQ(manual.out.rfind(".TH LOVEBANK 1 ", 0), 0u);
  auto help = Wallet("admin", {"help", "service", "confirm"});
  std::string sentence = help.out.substr(0, help.out.find('\n'));
  EXPECT_NE(manual.out.find(".SS \"lovebank service confirm\"\n" + sentence), std::string::npos)
      << sentence;
  EXPECT_NE(manual.out.find(".SS \"lovebank statement\""), std::string::npos);
  auto zh = Wallet("admin", {"--lang", "zh", "manual"});
  EXPECT_NE(zh.out.find(".SH 名称"), std::string::npos);
  // Well-formed for man: groff (installed by scripts/setup) warns about nothing.
  for (const auto* page : {&manual, &zh}) {
    std::string file = dir_.Sub(page == &manual ? "en.1" : "zh.1");
    std::ofstream(file) << page->out;
    auto r = RunProcess({"/usr/bin/groff", "-k", "-man", "-Tutf8", "-ww", "-z", file}, {});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.err, "") << file;
  }
}

// A voucher a phone or a printer can carry: the QR as a PNG image and a printable
// page; on a terminal the code is drawn black on white whatever the theme, and a
// terminal too small to show it whole (80×24) is told so instead of given a broken code.
TEST_F(Community, VoucherAsImageAndPageAndATerminalCodeThatFitsOrSaysSo) {
  Member("coord", "coordinator");
  std::string vol = Member("vol");
  Member("station", "station");
  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes", "240",
               "--volunteer", vol});
  Ok("station", {"catalog", "add", "--item", "大米5公斤", "--price", "5", "--stock", "9"});
  std::string png = dir_.Sub("v.png"), html = dir_.Sub("v.html");
  auto redeem = Wallet("vol", {"redeem", "大米5公斤", "--png", png, "--html", html, "--no-qr"});
  ASSERT_EQ(redeem.exit_code, 0) << redeem.err;
  std::ifstream image(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(image)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.substr(0, 8), "\x89PNG\r\n\x1a\n");
  // A real QR decoder (zbar, installed by scripts/setup) reads the voucher back from
  // the image, and the station accepts what it read.
  auto decoded = RunProcess({"/usr/bin/zbarimg", "-q", "--raw", png}, {});
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  std::string read = decoded.out.substr(0, decoded.out.find('\n'));
  EXPECT_TRUE(read.starts_with("lbv1:")) << read;
  std::ofstream(dir_.Sub("scanned.txt")) << read << "\n";
  auto fulfilled = Wallet("station", {"fulfil", dir_.Sub("scanned.txt")});
  EXPECT_EQ(fulfilled.exit_code, 0) << fulfilled.err;
  EXPECT_NE(fulfilled.out.find("大米5公斤"), std::string::npos) << fulfilled.out;
  std::ifstream page_in(html);
  std::string page((std::istreambuf_iterator<char>(page_in)), std::istreambuf_iterator<char>());
  for (const char* want : {"兑换券", "Voucher", "大米5公斤", "<svg", "lbv1:", "vol", "station"}) {
    EXPECT_NE(page.find(want), std::string::npos) << want;
  }
  // Neither file is ever written over, and that is refused before points are spent.
  const std::uint64_t balance = U64(Account("vol").at("balance"));
  EXPECT_EQ(Wallet("vol", {"redeem", "大米5公斤", "--png", png}).exit_code, 2);
  EXPECT_EQ(U64(Account("vol").at("balance")), balance);

  // On a terminal of `rows`×`cols`.
  auto at_terminal = [&](int rows, int cols, const std::string& no_color) {
    std::string line =
        fmt::format("stty rows {} cols {}; {} --keystore {} --node {} redeem '{}'", rows, cols,
                    LOVEBANK_WALLET_BIN, dir_.Sub("keys/vol"), Url(), "大米5公斤");
    return RunProcess({"/usr/bin/script", "-qec", line, "/dev/null"},
                      {{"LOVEBANK_PASSPHRASE", kPassphrase},
                       {"COLUMNS", ""},
                       {"NO_COLOR", no_color},
                       {"LANG", "C"},
                       {"LC_ALL", ""}},
                      "", 30);
  };
  auto small = at_terminal(24, 80, "");
  EXPECT_EQ(small.exit_code, 0) << small.out;
  EXPECT_NE(small.out.find("The QR code needs"), std::string::npos) << small.out;
  EXPECT_NE(small.out.find("this terminal has 80×24"), std::string::npos) << small.out;
  EXPECT_EQ(small.out.find("\u2588\u2588\u2588"), std::string::npos) << small.out;
  auto large = at_terminal(120, 200, "");
  EXPECT_NE(large.out.find("\x1b[30;107m"), std::string::npos) << large.out.substr(0, 400);
  EXPECT_NE(large.out.find("\u2588"), std::string::npos);
  auto plain = at_terminal(120, 200, "1");
  EXPECT_EQ(plain.out.find("\x1b["), std::string::npos);
  EXPECT_NE(plain.out.find("\u2588"), std::string::npos);
}

}  // namespace
}  // namespace lovebank
