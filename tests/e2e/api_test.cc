// The HTTP API of a real lovebank-node process, through a real HTTP client over a
// loopback socket: every endpoint of docs/api.md, and the errors it promises.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <unordered_map>

#include "base/bytes.h"
#include "base/hex.h"
#include "crypto/hashing.h"
#include "crypto/secret_file.h"
#include "ledger/voucher.h"
#include "tests/e2e/api_fixture.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"
#include "wallet-cli/client.h"

namespace lovebank {
namespace {

namespace json = boost::json;
using namespace ledger;

TEST_F(Api, StatusNamesTheCommunityAndCounts) {
  auto s = client_->Get("/v1/status");
  ASSERT_TRUE(s);
  EXPECT_EQ(std::string(s->at("network").as_string()), ToHex(community_.genesis().id));
  EXPECT_EQ(s->at("entries").to_number<int>(), 1);
  EXPECT_EQ(s->at("state_hash").as_string().size(), 64u);
  EXPECT_EQ(s->at("policy").at("categories").as_array().size(), 3u);
}

TEST_F(Api, EntriesAreAcknowledgedAndReadBack) {
  auto enrol = Sign("admin", Enrol{community_.key("vol"), "Vol", "G1", "B1", {"care"}});
  auto first = Post(enrol);
  ASSERT_TRUE(first);
  EXPECT_EQ(std::string(first->at("entries").at(0).at("outcome").as_string()), "applied");
  // A retry is a duplicate (200), not an error.
  auto again = Post(enrol);
  ASSERT_TRUE(again);
  EXPECT_EQ(std::string(again->at("entries").at(0).at("outcome").as_string()), "duplicate");
  auto entry = client_->Get("/v1/entries/" + ToHex(enrol.id));
  ASSERT_TRUE(entry);
  EXPECT_EQ(std::string(entry->at("kind").as_string()), "enrol");
  EXPECT_EQ(std::string(entry->at("envelope").as_string()), ToHex(enrol.envelope));
  // The first 8 or more digits, either case, name it too; fewer are refused.
  for (std::size_t digits : {8, 12, 63}) {
    std::string prefix = ToHex(enrol.id).substr(0, digits);
    auto by_prefix = client_->Get("/v1/entries/" + prefix);
    ASSERT_TRUE(by_prefix) << prefix << ": " << by_prefix.error().message;
    EXPECT_EQ(std::string(by_prefix->at("id").as_string()), ToHex(enrol.id));
    std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    auto upper = client_->Get("/v1/entries/" + prefix);
    ASSERT_TRUE(upper) << prefix;
    EXPECT_EQ(std::string(upper->at("id").as_string()), ToHex(enrol.id));
  }
  auto too_short = client_->Get("/v1/entries/" + ToHex(enrol.id).substr(0, 7));
  ASSERT_FALSE(too_short);
  EXPECT_EQ(too_short.error().code, "bad_id");
  std::string absent = ToHex(enrol.id).substr(0, 11) + (ToHex(enrol.id)[11] == '0' ? "1" : "0");
  auto unknown = client_->Get("/v1/entries/" + absent);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "not_found");
  EXPECT_NE(unknown.error().message.find(absent), std::string::npos) << unknown.error().message;
  auto chain = client_->Get("/v1/chains/" + ToHex(community_.key("admin")));
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->at("head_seq").to_number<int>(), 2);
  EXPECT_EQ(std::string(chain->at("head_id").as_string()), ToHex(enrol.id));
  EXPECT_EQ(chain->at("entries").as_array().size(), 2u);
  auto account = client_->Get("/v1/accounts/" + ToHex(community_.key("vol")));
  ASSERT_TRUE(account);
  EXPECT_EQ(std::string(account->at("name").as_string()), "Vol");
  EXPECT_TRUE(account->at("known").as_bool());
  auto history = client_->Get("/v1/accounts/" + ToHex(community_.key("vol")) + "/history");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->at("entries").as_array().size(), 1u);
  auto members = client_->Get("/v1/members");
  ASSERT_TRUE(members);
  EXPECT_FALSE(members->at("members").as_array().empty());
  auto catalog = client_->Get("/v1/catalog");
  ASSERT_TRUE(catalog);
  EXPECT_TRUE(catalog->at("items").as_array().empty());
}

TEST_F(Api, TheNodeItselfRefusesWhatAWalletMustNotStore) {
  PostOk(Sign("admin", RoleGrant{community_.key("coord"), Role::kCoordinator, 0}));
  PostOk(Sign("admin", Enrol{community_.key("vol"), "Vol", "", "", {}}));
  PostOk(Sign("coord", ServiceRecord{"Visit",
                                     "care",
                                     testing::NowMs() - 3'600'000,
                                     60,
                                     {community_.key("vol")}}));  // 10 points
  auto expect = [&](const VerifiedEntry& v, const std::string& code, int status) {
    auto r = Post(v);
    ASSERT_FALSE(r) << "accepted: " << code;
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().http_status, status);
    EXPECT_FALSE(r.error().message.empty());
  };
  // Build refused entries at the next seq without advancing the test's chain head.
  auto next = [&](const std::string& who, EntryKind kind, std::uint64_t ts = 0) {
    Entry e;
    e.author = community_.key(who);
    e.seq = community_.head_seq(who) + 1;
    e.prev = community_.head_id(who);
    e.network = community_.genesis().id;
    e.timestamp_ms = ts ? ts : testing::NowMs();
    e.kind = std::move(kind);
    return SignEntry(e, community_.secret(who));
  };
  // To the founding admin, a member: the only thing wrong is the amount.
  auto overdraft = next("vol", Transfer{community_.key("admin"), 50, ""});
  auto r = Post(overdraft);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "insufficient_points");
  EXPECT_NE(r.error().message.find("insufficient points: 10 available, 50 needed"),
            std::string::npos)
      << r.error().message;
  expect(next("vol", RoleGrant{community_.key("vol"), Role::kAdmin, 0}), "role_missing", 403);
  expect(next("coord",
              ServiceRecord{
                  "Self", "care", testing::NowMs() - 7'200'000, 30, {community_.key("coord")}}),
         "self_record", 422);
  expect(next("vol", Transfer{community_.key("coord"), 1, ""}, testing::NowMs() - 3'600'000),
         "clock_skew", 422);
  expect(
      next("vol", Transfer{community_.key("coord"), 1, ""}, testing::NowMs() + 365ull * 86'400'000),
      "clock_skew", 422);
  expect(next("vol", Redeem{EntryId{}, community_.key("coord"), 1, "n"}), "unknown_item", 404);
  expect(next("coord",
              ServiceRecord{
                  "Visit", "juggling", testing::NowMs() - 7'200'000, 30, {community_.key("vol")}}),
         "unknown_category", 422);
  // An entry that skips a seq, and one that would fork the chain.
  Entry skip;
  skip.author = community_.key("vol");
  skip.seq = community_.head_seq("vol") + 2;
  skip.prev = EntryId{};
  skip.network = community_.genesis().id;
  skip.timestamp_ms = testing::NowMs();
  skip.kind = Transfer{community_.key("coord"), 1, ""};
  expect(SignEntry(skip, community_.secret("vol")), "missing_previous", 409);
  Entry fork = skip;
  fork.seq = community_.head_seq("admin");
  fork.author = community_.key("admin");
  fork.prev = std::nullopt;
  fork.kind = Enrol{community_.key("other"), "Other", "", "", {}};
  if (fork.seq > 1) fork.prev = EntryId{};
  expect(SignEntry(fork, community_.secret("admin")), "chain_conflict", 409);
  // Nothing refused was stored.
  auto status = client_->Get("/v1/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->at("entries").to_number<int>(), 4);  // genesis, grant, enrol, record
  EXPECT_EQ(status->at("pending").to_number<int>(), 0);
}

// The trust cases a wallet cannot make but an API client (or a lying wallet) can: the
// same judgement refuses each, names the reason, and stores nothing.
TEST_F(Api, TheJudgementRefusesWhatWouldNotCountAndStoresNothing) {
  PostOk(Sign("admin", RoleGrant{community_.key("coord"), Role::kCoordinator, 0}));
  PostOk(Sign("admin", Enrol{community_.key("vol"), "Vol", "G1", "B1", {"care"}}));
  auto status = [&] { return *client_->Get("/v1/status"); };
  const std::string hash = json::serialize(status().at("state_hash"));
  const auto entries = status().at("entries").to_number<int>();
  auto refused = [&](VerifiedEntry v, const std::string& code, const std::string& words) {
    auto r = Post(v);
    ASSERT_FALSE(r) << KindName(v.entry.kind) << " was stored";
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
    EXPECT_EQ(json::serialize(status().at("state_hash")), hash);
    EXPECT_EQ(status().at("entries").to_number<int>(), entries);
  };
  // Service at the start of time, or at 2^63 ms (refused before any rule).
  auto at = [&](std::uint64_t start) {
    Entry e;
    e.author = community_.key("vol");
    e.seq = community_.head_seq("vol") + 1;
    e.prev = community_.head_id("vol");
    e.network = community_.network();
    e.timestamp_ms = testing::NowMs();
    e.kind = ServiceClaim{"Then", "care", start, 60, std::nullopt};
    return SignEntry(e, community_.secret("vol"));
  };
  refused(at(0), "out_of_window", "pass --start");
  auto far =
      client_->Post("/v1/entries", json::object{{"envelope", ToHex(at(1ull << 63).envelope)}});
  ASSERT_FALSE(far);
  EXPECT_EQ(far.error().code, "out_of_range");
  // A claim over the per-day cap (480 minutes) is refused when it is made, not left to
  // fail once confirmed.
  // All on one UTC day (the test policy's), yesterday: 08:00-12:00, 12:00-16:00, then a
  // claim at 16:00. Dates relative to "now" could straddle midnight.
  const std::uint64_t yesterday = (testing::NowMs() / 86'400'000 - 1) * 86'400'000;
  ServiceRecord long_day{"Clinic", "care", yesterday + 8 * 3'600'000, 240, {community_.key("vol")}};
  PostOk(Sign("coord", long_day));
  long_day.start_ms += 4 * 3'600'000;
  PostOk(Sign("coord", long_day));
  const std::string full = json::serialize(status().at("state_hash"));
  const auto full_entries = status().at("entries").to_number<int>();
  auto over = Post(at(yesterday + 16 * 3'600'000));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, "day_cap_exceeded") << over.error().message;
  EXPECT_EQ(json::serialize(status().at("state_hash")), full);
  EXPECT_EQ(status().at("entries").to_number<int>(), full_entries);
}

// A coordinator's enrolment of a member, dated far in the future and carried in a
// voucher bundle, neither skips the judgement nor wins by its date.
TEST_F(Api, AVoucherBundleIsJudgedAndADateWinsNothing) {
  PostOk(Sign("admin", RoleGrant{community_.key("coord"), Role::kCoordinator, 0}));
  PostOk(Sign("admin", RoleGrant{community_.key("station"), Role::kStation, 0}));
  PostOk(Sign("admin", Enrol{community_.key("vol"), "Vol", "G1", "B1", {"care"}}));
  PostOk(Sign("admin", Enrol{community_.key("coord"), "Coord", "G1", "B1", {}}));
  auto item = Sign("station", CatalogItem{"Rice", 10, 5});
  PostOk(item);
  auto enrol = community_.Sign("coord", Enrol{community_.key("vol"), "Somebody Else", "", "", {}},
                               testing::NowMs() + 3650ull * 86'400'000);
  auto redeem = community_.Sign("coord", Redeem{item.id, community_.key("station"), 10, "n"},
                                testing::NowMs());
  std::string voucher = EncodeVoucher({enrol.envelope, redeem.envelope}, 4096);
  auto r = client_->Post("/v1/entries", json::object{{"voucher", voucher}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "already_enrolled") << r.error().message;
  auto vol = client_->Get("/v1/accounts/" + ToHex(community_.key("vol")));
  ASSERT_TRUE(vol);
  EXPECT_EQ(vol->at("name").as_string(), "Vol");
}

// Two stored entries whose ids share their first 8 digits (ids are the hash of the
// unsigned body, so about 80,000 bodies are hashed and only the two are signed): those 8
// name neither, and the refusal lists both, for people and for scripts.
TEST_F(Api, AnIdPrefixTwoEntriesShareIsRefusedWithBoth) {
  PostOk(Sign("admin", Enrol{community_.key("x"), "Ms X", "", "", {}}));
  PostOk(Sign("admin", Enrol{community_.key("y"), "Mr Y", "", "", {}}));
  const std::uint64_t now = testing::NowMs();
  auto body = [&](int draw) {
    Entry e;
    e.author = community_.key(draw % 2 ? "y" : "x");
    e.seq = 1;
    e.network = community_.network();
    e.timestamp_ms = now;
    e.kind = ServiceClaim{"Visit " + std::to_string(draw), "care", now - 7'200'000, 30, {}};
    return e;
  };
  std::unordered_map<std::uint32_t, int> seen;
  std::optional<std::pair<int, int>> pair;
  for (int draw = 0; draw < 2'000'000 && !pair; ++draw) {
    auto id = crypto::Blake2b256(EncodeEntryBody(body(draw)));
    std::uint32_t first = ReadBigEndian32(id.view());
    auto [it, fresh] = seen.emplace(first, draw);
    if (!fresh && it->second % 2 != draw % 2) pair.emplace(it->second, draw);  // x and y
  }
  ASSERT_TRUE(pair) << "no two bodies of x and y shared 8 digits";
  auto a = SignEntry(body(pair->first), community_.secret(pair->first % 2 ? "y" : "x"));
  auto b = SignEntry(body(pair->second), community_.secret(pair->second % 2 ? "y" : "x"));
  PostOk(a);
  PostOk(b);
  const std::string prefix = ToHex(a.id).substr(0, 8);
  ASSERT_EQ(ToHex(b.id).substr(0, 8), prefix);
  auto r = client_->Get("/v1/entries/" + prefix);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "ambiguous_id");
  EXPECT_EQ(r.error().http_status, 409);
  EXPECT_NE(r.error().message.find("Ms X"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("Mr Y"), std::string::npos) << r.error().message;
  std::string raw = RawResponse("GET /v1/entries/" + prefix +
                                " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto reply = json::parse(raw.substr(raw.find("\r\n\r\n") + 4));
  std::set<std::string> candidates;
  for (const auto& c : reply.at("candidates").as_array()) {
    candidates.insert(std::string(c.at("id").as_string()));
    EXPECT_EQ(std::string(c.at("kind").as_string()), "service_claim");
  }
  EXPECT_EQ(candidates, (std::set<std::string>{ToHex(a.id), ToHex(b.id)}));
  EXPECT_FALSE(reply.at("more").as_bool());
  // Where they differ, a longer prefix names one.
  std::size_t differ = 8;
  while (ToHex(a.id)[differ] == ToHex(b.id)[differ]) ++differ;
  for (const auto* e : {&a, &b}) {
    auto one = client_->Get("/v1/entries/" + ToHex(e->id).substr(0, differ + 1));
    ASSERT_TRUE(one) << one.error().message;
    EXPECT_EQ(std::string(one->at("id").as_string()), ToHex(e->id));
  }
}

TEST_F(Api, BadRequestsGetClearErrors) {
  auto bad = [&](const std::string& target, const std::string& code, int status) {
    auto r = client_->Get(target);
    ASSERT_FALSE(r) << target;
    EXPECT_EQ(r.error().code, code) << target;
    EXPECT_EQ(r.error().http_status, status) << target;
  };
  bad("/v1/accounts/zz", "bad_key", 400);
  bad("/v1/entries/" + std::string(64, '0'), "not_found", 404);
  bad("/v1/entries/xyz", "bad_id", 400);
  bad("/v1/nothing", "not_found", 404);
  bad("/v1/claims?limit=0", "bad_request", 400);
  bad("/v1/claims?limit=1001", "bad_request", 400);
  bad("/v1/claims?for=zz", "bad_key", 400);
  bad("/v1/reports/hours?by=planet", "bad_request", 400);
  bad("/v1/reports/hours?by=team&from=2026-13-01", "bad_date", 400);
  bad("/v1/accounts/" + ToHex(community_.key("x")) + "/history?limit=0", "bad_request", 400);

  auto post = [&](const json::value& body, const std::string& code, int status) {
    auto r = client_->Post("/v1/entries", body);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code) << json::serialize(body) << " " << r.error().message;
    EXPECT_EQ(r.error().http_status, status);
  };
  post(json::object{{"nothing", 1}}, "bad_request", 400);
  post(json::object{{"envelope", "not hex"}}, "bad_request", 400);
  post(json::object{{"envelope", "0a00"}}, "malformed", 422);
  post(json::object{{"voucher", "lbv1:!!"}}, "bad_voucher", 400);
  // A valid entry with its signature broken.
  auto v = Sign("admin", Enrol{community_.key("vol"), "Vol", "", "", {}});
  Bytes broken = v.envelope;
  broken[broken.size() - 1] ^= 1;
  post(json::object{{"envelope", ToHex(broken)}}, "bad_signature", 422);
  // An entry of another community.
  testing::TestCommunity other(testing::TestPolicy(), /*seed=*/99);
  auto foreign = other.Sign("admin", Enrol{other.key("vol"), "Vol", "", "", {}}, testing::NowMs());
  post(json::object{{"envelope", ToHex(foreign.envelope)}}, "wrong_network", 422);

  EXPECT_EQ(RawStatus("DELETE /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
  // A body over the limit is refused on its declared length, before it is read.
  EXPECT_EQ(RawStatus("POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                      std::to_string(300 * 1024) + "\r\n\r\n"),
            413);
  EXPECT_EQ(RawStatus("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Long: " +
                      std::string(20 * 1024, 'h') + "\r\n\r\n"),
            413);
  // The node is still serving.
  EXPECT_TRUE(client_->Get("/v1/status"));
}

// The English words a message may keep in Chinese: parameter names, values and the
// names of files, commands and headers, which a person types as they are.
bool OnlyTokensLeft(const std::string& message) {
  static const std::set<std::string> kTokens{
      "limit",    "from",        "to",       "by",        "team",
      "grid",     "building",    "category", "month",     "year",
      "period",   "docs",        "api",      "md",        "lovebank",
      "key",      "show",        "after",    "max_bytes", "X-Lovebank-Next",
      "envelope", "envelopes",   "voucher",  "HEX",       "JSON",
      "hours",    "leaderboard", "at",       "requests"};
  std::string word;
  auto done = [&] {
    bool ok = word.empty() || kTokens.count(word) > 0;
    word.clear();
    return ok;
  };
  for (char c : message) {
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c == '-' && !word.empty())) {
      word += c;
    } else if (!done()) {
      return false;
    }
  }
  return done();
}

TEST_F(Api, RefusalsAreInTheLanguageTheClientAsksFor) {
  struct Case {
    std::string request;  // method and target, or a POST body
    int status;
  };
  const std::string key = ToHex(community_.key("x"));
  const std::vector<Case> gets{
      {"GET /v1/accounts/zz", 400},
      {"GET /v1/entries/" + std::string(64, '0'), 404},
      {"GET /v1/entries/12345678", 404},
      {"GET /v1/entries/xyz", 400},
      {"GET /v1/nothing", 404},
      {"GET /v1/claims?limit=0", 400},
      {"GET /v1/reports/hours?by=planet", 400},
      {"GET /v1/reports/hours?by=team&from=2026-13-01", 400},
      {"GET /v1/reports/leaderboard?period=week", 400},
      {"GET /v1/reports/weather", 404},
      {"GET /v1/accounts/" + key + "/history?limit=0", 400},
      {"GET /v1/chains/" + key + "?from=first", 400},
      {"GET /v1/export?after=zz", 400},
      {"DELETE /v1/status", 405},
  };
  const std::vector<Case> posts{
      {R"({"nothing": 1})", 400},
      {R"({"envelope": "not hex"})", 400},
      {R"({"envelope": "0a00"})", 422},
      {R"({"voucher": "lbv1:!!"})", 400},
  };
  auto ask = [&](const std::string& head, const std::string& body, const std::string& language) {
    std::string request = head + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
    if (!language.empty()) request += "Accept-Language: " + language + "\r\n";
    if (!body.empty()) {
      request +=
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n";
    }
    return RawResponse(request + "\r\n" + body);
  };
  auto check = [&](const std::string& head, const std::string& body, int status) {
    SCOPED_TRACE(head + " " + body);
    // A browser's list of languages, Chinese first.
    std::string zh = ask(head, body, "zh-CN,zh;q=0.9,en;q=0.8");
    ASSERT_GT(zh.size(), 12u);
    EXPECT_EQ(std::atoi(zh.c_str() + 9), status);
    const auto split = zh.find("\r\n\r\n");
    ASSERT_NE(split, std::string::npos);
    EXPECT_NE(zh.substr(0, split).find("Content-Language: zh-CN"), std::string::npos) << zh;
    auto reply = json::parse(zh.substr(split + 4));
    std::string message(reply.at("message").as_string());
    EXPECT_TRUE(OnlyTokensLeft(message)) << message;
    // Some Chinese characters (the lead bytes of U+4E00..U+9FFF in UTF-8).
    EXPECT_TRUE(std::any_of(message.begin(), message.end(), [](char c) {
      auto b = static_cast<unsigned char>(c);
      return b >= 0xE4 && b <= 0xE9;
    })) << message;
    // The code stays the same word for scripts in either language.
    std::string en = ask(head, body, "");
    const auto en_split = en.find("\r\n\r\n");
    ASSERT_NE(en_split, std::string::npos);
    EXPECT_NE(en.substr(0, en_split).find("Content-Language: en"), std::string::npos) << en;
    auto en_reply = json::parse(en.substr(en_split + 4));
    EXPECT_EQ(en_reply.at("error"), reply.at("error"));
    EXPECT_FALSE(OnlyTokensLeft(std::string(en_reply.at("message").as_string())));
  };
  for (const auto& c : gets) check(c.request, "", c.status);
  for (const auto& c : posts) check("POST /v1/entries", c.request, c.status);
}

TEST_F(Api, MetricsAreInPrometheusTextFormat) {
  PostOk(Sign("admin", Enrol{community_.key("vol"), "Vol", "", "", {}}));
  (void)client_->Post("/v1/entries", json::object{{"envelope", "0a00"}});
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect(
      {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(node_->port())});
  boost::asio::write(socket, boost::asio::buffer(std::string("GET /metrics HTTP/1.0\r\n\r\n")));
  std::string text;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(text), ec);
  EXPECT_NE(text.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(text.find("# TYPE lovebank_ledger_entries gauge\nlovebank_ledger_entries 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lovebank_entries_stored_total 1"), std::string::npos);
  EXPECT_NE(text.find("lovebank_ingest_batches_total"), std::string::npos);
}

TEST_F(Api, PathsOutsideTheApiFindNothing) {
  // The node serves no files; these reach the router and nothing else.
  for (std::string target :
       {"/../../../../etc/passwd", "/v1/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
        "/v1/entries/..%2f..%2f..%2fetc%2fpasswd", "/v1/accounts/..%2F..%2Fetc%2Fpasswd/history",
        "/v1/export?after=../../etc/passwd"}) {
    std::string response =
        RawResponse("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    int status = response.size() > 12 ? std::atoi(response.c_str() + 9) : 0;
    EXPECT_TRUE(status == 400 || status == 404) << target << "\n" << response;
    EXPECT_EQ(response.find("root:"), std::string::npos) << target;
  }
}

TEST_F(Api, AFloodOfHeadersIsRefused) {
  std::string headers;
  for (int i = 0; i < 3000; ++i) headers += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(RawStatus("GET /v1/status HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n"), 413);
  EXPECT_TRUE(client_->Get("/v1/status"));
}

// A node with tight HTTP limits: 16 connections, 1.5 s to send a request.
class ApiWithTightLimits : public Api {
 protected:
  std::string NodeConfig() const override {
    return "max_http_connections = 16\nhttp_request_timeout_ms = 1500\nstore_memory_mb = 8\n";
  }
  boost::asio::ip::tcp::endpoint Endpoint() const {
    return {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(node_->port())};
  }
};

// Whether the node has closed `socket` (a read sees the end, not "would block").
bool ClosedByPeer(boost::asio::ip::tcp::socket& socket) {
  socket.non_blocking(true);
  char byte;
  boost::system::error_code ec;
  socket.read_some(boost::asio::buffer(&byte, 1), ec);
  return ec && ec != boost::asio::error::would_block;
}

TEST_F(ApiWithTightLimits, ASlowClientIsCutOffAtTheRequestTimeout) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket slow(io);
  slow.connect(Endpoint());
  boost::asio::write(slow, boost::asio::buffer(std::string("GET /v1/status HTTP/1.1\r\nX-Slow: ")));
  auto start = std::chrono::steady_clock::now();
  bool closed = false, served_meanwhile = false;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    boost::system::error_code ec;
    boost::asio::write(slow, boost::asio::buffer(std::string("a")), ec);  // one byte at a time
    if (ec || ClosedByPeer(slow)) {
      closed = true;
      break;
    }
    if (!served_meanwhile) served_meanwhile = client_->Get("/v1/status").has_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed) << "a client trickling a header kept its connection for 10 s";
  EXPECT_GE(elapsed, std::chrono::milliseconds(1000));
  EXPECT_LT(elapsed, std::chrono::milliseconds(4000));
  EXPECT_TRUE(served_meanwhile);
}

TEST_F(ApiWithTightLimits, AConnectionFloodIsHeldToTheLimitAndThenServed) {
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> flood;
  for (int i = 0; i < 40; ++i) {
    flood.emplace_back(io);
    flood.back().connect(Endpoint());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int closed = 0;
  for (auto& socket : flood) closed += ClosedByPeer(socket) ? 1 : 0;
  EXPECT_GE(closed, 40 - 16) << "more connections held open than max_http_connections";
  // The ones held are idle and go at the request timeout; then everyone is served.
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  int closed_later = 0;
  for (auto& socket : flood) closed_later += ClosedByPeer(socket) ? 1 : 0;
  EXPECT_EQ(closed_later, 40);
  EXPECT_TRUE(client_->Get("/v1/status"));
  // Left open: this request and perhaps the client's keep-alive one, none of the flood.
  std::string metrics = Metrics();
  auto at = metrics.find("\nlovebank_http_connections ");
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_LE(std::stoul(metrics.substr(at + 27)), 2u) << metrics;
}

// node.toml's store_memory_mb is the one budget RocksDB's memory is charged to.
TEST_F(ApiWithTightLimits, RocksDbMemoryIsChargedToTheConfiguredBudget) {
  PostOk(Sign("admin", Enrol{community_.key("vol"), "Vol", "", "", {}}));
  std::string metrics = Metrics();
  auto value = [&](const std::string& name) -> std::uint64_t {
    auto at = metrics.find("\n" + name + " ");
    EXPECT_NE(at, std::string::npos) << name << " missing from " << metrics;
    return at == std::string::npos ? 0 : std::stoull(metrics.substr(at + name.size() + 2));
  };
  EXPECT_EQ(value("lovebank_store_memory_budget_bytes"), 8u << 20);
  std::uint64_t used = value("lovebank_store_memory_used_bytes");
  EXPECT_GT(used, 0u) << "the memtable holding the enrolment is not charged";
  EXPECT_LE(used, 9u << 20);
  EXPECT_LE(value("lovebank_store_memtable_bytes"), used);
}

// A node whose data sit on a 16 MiB tmpfs this test mounts (needs root), with 4 MiB
// kept in reserve.
class ApiOnASmallDisk : public Api {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
    std::filesystem::create_directories(Disk());
    if (::mount("tmpfs", Disk().c_str(), "tmpfs", 0, "size=16m,mode=0700") != 0) {
      if (errno == EPERM) GTEST_SKIP() << "this machine refuses mounts: " << std::strerror(errno);
      FAIL() << "cannot mount a tmpfs at " << Disk() << ": " << std::strerror(errno);
    }
    mounted_ = true;
    Api::SetUp();
  }
  void TearDown() override {
    node_.reset();
    if (mounted_) ::umount2(Disk().c_str(), MNT_DETACH);
  }
  std::string Disk() const { return dir_.Sub("disk"); }
  std::string DataDir() const override { return Disk() + "/node"; }
  std::string NodeConfig() const override { return "min_free_mb = 4\n"; }
  std::uint64_t Entries() {
    return client_->Get("/v1/status")->at("entries").to_number<std::uint64_t>();
  }
  bool mounted_ = false;
};

TEST_F(ApiOnASmallDisk, AFullDiskRefusesEntriesKeepsServingReadsAndRecoversByItself) {
  PostOk(Sign("admin", Enrol{community_.key("vol"), "Vol", "", "", {}}));
  {
    std::ofstream filler(Disk() + "/filler", std::ios::binary);
    std::string mib(1 << 20, 'x');
    while (filler && std::filesystem::space(Disk()).available > (2u << 20)) {
      filler.write(mib.data(), static_cast<std::streamsize>(mib.size()));
      filler.flush();
    }
  }
  ASSERT_LT(std::filesystem::space(Disk()).available, 4u << 20);
  auto refused = Sign("admin", Enrol{community_.key("vol2"), "Vol 2", "", "", {}});
  auto r = Post(refused);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "disk_full");
  EXPECT_EQ(r.error().http_status, 507);
  EXPECT_NE(r.error().message.find("should free space"), std::string::npos) << r.error().message;
  // Reads go on.
  EXPECT_EQ(Entries(), 2u);
  EXPECT_TRUE(client_->Get("/v1/accounts/" + ToHex(community_.key("vol"))));
  EXPECT_NE(Metrics().find("lovebank_disk_space_low 1\n"), std::string::npos);
  EXPECT_NE(node_->Log().find("new entries are refused until space is freed"), std::string::npos);
  // Space comes back: the same entry is taken, with no restart.
  std::filesystem::remove(Disk() + "/filler");
  auto again = Post(refused);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(std::string(again->at("entries").at(0).at("outcome").as_string()), "applied");
  EXPECT_EQ(Entries(), 3u);
  EXPECT_NE(Metrics().find("lovebank_disk_space_low 0\n"), std::string::npos);
  // And it is on disk.
  ASSERT_EQ(node_->Stop(), 0);
  node_ = std::make_unique<testing::NodeProcess>(LOVEBANK_NODE_BIN, DataDir());
  ASSERT_TRUE(node_->WaitReady()) << node_->Log();
  auto client = wallet::NodeClient::Create(node_->url());
  ASSERT_TRUE(client);
  client_.emplace(std::move(*client));
  EXPECT_EQ(Entries(), 3u);
}

}  // namespace
}  // namespace lovebank
