// One table-driven test per rule of docs/ledger-rules.md: a valid case and at least
// one invalid case, each asserting the exact outcome and reason.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "base/hex.h"
#include "ledger/refusal.h"
#include "ledger/state.h"
#include "tests/support/test_support.h"

namespace lovebank::ledger {
namespace {

using testing::TestCommunity;

constexpr std::uint64_t kDay = 1'767'225'600'000;  // 2026-01-01 00:00 UTC
constexpr std::uint64_t kHour = 3'600'000;

// A small neighbourhood: an admin, a coordinator, a station, three volunteers.
class Neighbourhood {
 public:
  Neighbourhood() : state(c.genesis()) {
    Apply(c.Sign("admin", RoleGrant{c.key("coord"), Role::kCoordinator, 0}));
    Apply(c.Sign("admin", RoleGrant{c.key("station"), Role::kStation, 0}));
    Apply(c.Sign("admin", RoleGrant{c.key("coord2"), Role::kCoordinator, 0}));
    for (auto name : {"vol1", "vol2", "vol3"}) {
      Apply(c.Sign("admin", Enrol{c.key(name), name, "Grid 1", "Building 2", {"care"}}));
    }
  }

  EntryId Apply(VerifiedEntry v) {
    EntryId id = v.id;
    auto result = state.Add(std::move(v));
    EXPECT_NE(result.outcome, AddOutcome::kInvalid) << result.reason;
    state.Settle();
    return id;
  }

  // Records `minutes` of care for `volunteers` starting at `start`.
  EntryId Record(const std::string& coordinator, std::vector<std::string> volunteers,
                 std::uint64_t start, std::uint32_t minutes, std::string category = "care") {
    ServiceRecord r{"Visit", category, start, minutes, {}};
    for (const auto& v : volunteers) r.volunteers.push_back(c.key(v));
    std::sort(r.volunteers.begin(), r.volunteers.end());
    return Apply(c.Sign(coordinator, r));
  }

  std::vector<FindingCode> Codes(const EntryId& id) {
    std::vector<FindingCode> out;
    for (const auto& f : state.FindingsFor(id)) out.push_back(f.code);
    return out;
  }
  std::uint64_t Minutes(const std::string& name) {
    auto a = state.Account(c.key(name));
    return a ? a->minutes : 0;
  }
  std::uint64_t Balance(const std::string& name) {
    auto a = state.Account(c.key(name));
    return a ? a->balance : 0;
  }
  EntryId Item(std::uint64_t price, std::uint64_t stock) {
    return Apply(c.Sign("station", CatalogItem{"Rice 5kg", price, stock}));
  }
  EntryId RedeemItem(const std::string& who, const EntryId& item, std::uint64_t points) {
    return Apply(c.Sign(who, Redeem{item, c.key("station"), points, who}));
  }

  TestCommunity c;
  LedgerState state;
};

// A case builds a scenario and names the entry to look at; `expected` is the one
// finding it must carry (nullopt: none, the act counts).
struct RuleCase {
  std::string name;
  std::function<EntryId(Neighbourhood&)> scenario;
  std::optional<FindingCode> expected;
  std::function<void(Neighbourhood&)> also = nullptr;  // extra assertions on the outcome
};

void RunCases(const std::vector<RuleCase>& cases) {
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    Neighbourhood n;
    EntryId target = test_case.scenario(n);
    auto codes = n.Codes(target);
    if (test_case.expected) {
      EXPECT_EQ(codes.size(), 1u);
      if (!codes.empty()) {
        EXPECT_EQ(FindingName(codes[0]), FindingName(*test_case.expected));
      }
    } else {
      EXPECT_TRUE(codes.empty()) << FindingName(codes[0]);
    }
    // Whatever the findings, the entry itself is kept.
    EXPECT_NE(n.state.Find(target), nullptr);
    if (test_case.also) test_case.also(n);
  }
}

TEST(Rules, SelfConfirmation) {
  RunCases({
      {"a coordinator confirms a volunteer's claim",
       [](Neighbourhood& n) {
         auto claim = n.Apply(n.c.Sign("vol1", ServiceClaim{"Shopping", "care", kDay, 60, {}}));
         return n.Apply(n.c.Sign("coord", ServiceConfirm{claim, ""}));
       },
       std::nullopt,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.Minutes("vol1"), 60u);
         EXPECT_EQ(n.Balance("vol1"), 10u);
       }},
      {"a coordinator confirms their own claim",
       [](Neighbourhood& n) {
         auto claim = n.Apply(n.c.Sign("coord", ServiceClaim{"Shopping", "care", kDay, 60, {}}));
         return n.Apply(n.c.Sign("coord", ServiceConfirm{claim, ""}));
       },
       FindingCode::kSelfConfirmation,
       [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("coord"), 0u); }},
      {"the resident helped confirms",
       [](Neighbourhood& n) {
         auto claim = n.Apply(
             n.c.Sign("vol1", ServiceClaim{"Shopping", "care", kDay, 60, n.c.key("vol2")}));
         return n.Apply(n.c.Sign("vol2", ServiceConfirm{claim, "thank you"}));
       },
       std::nullopt, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 60u); }},
      {"another volunteer with no role confirms",
       [](Neighbourhood& n) {
         auto claim = n.Apply(n.c.Sign("vol1", ServiceClaim{"Shopping", "care", kDay, 60, {}}));
         return n.Apply(n.c.Sign("vol3", ServiceConfirm{claim, ""}));
       },
       FindingCode::kRoleMissing, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 0u); }},
      {"a rejection wins over a confirmation",
       [](Neighbourhood& n) {
         auto claim = n.Apply(n.c.Sign("vol1", ServiceClaim{"Shopping", "care", kDay, 60, {}}));
         n.Apply(n.c.Sign("coord", ServiceConfirm{claim, ""}));
         n.Apply(n.c.Sign("coord2", ServiceReject{claim, "was at the clinic"}));
         return claim;
       },
       FindingCode::kRejected, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 0u); }},
  });
}

TEST(Rules, ServiceRecordNeedsACoordinatorNotRecordingThemself) {
  RunCases({
      {"coordinator records for three volunteers",
       [](Neighbourhood& n) { return n.Record("coord", {"vol1", "vol2", "vol3"}, kDay, 120); },
       std::nullopt,
       [](Neighbourhood& n) {
         for (auto v : {"vol1", "vol2", "vol3"}) EXPECT_EQ(n.Balance(v), 20u);
       }},
      {"a volunteer with no role records",
       [](Neighbourhood& n) { return n.Record("vol1", {"vol2"}, kDay, 60); },
       FindingCode::kRoleMissing, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol2"), 0u); }},
      {"coordinator records themself among others",
       [](Neighbourhood& n) { return n.Record("coord", {"coord"}, kDay, 60); },
       FindingCode::kSelfRecord, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("coord"), 0u); }},
      {"two hundred volunteers in one record",
       [](Neighbourhood& n) {
         std::vector<std::string> everyone;
         for (int i = 0; i < 200; ++i) {
           everyone.push_back("member" + std::to_string(i));
           n.Apply(n.c.Sign("admin", Enrol{n.c.key(everyone.back()), everyone.back(), "", "", {}}));
         }
         return n.Record("coord", everyone, kDay, 60);
       },
       std::nullopt,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.Minutes("member0"), 60u);
         EXPECT_EQ(n.Minutes("member199"), 60u);
         EXPECT_EQ(n.Balance("member199"), 10u);
       }},
      {"unknown category",
       [](Neighbourhood& n) { return n.Record("coord", {"vol1"}, kDay, 60, "juggling"); },
       FindingCode::kUnknownCategory, nullptr},
      {"medical earns its own rate",
       [](Neighbourhood& n) { return n.Record("coord", {"vol1"}, kDay, 90, "medical"); },
       std::nullopt, [](Neighbourhood& n) { EXPECT_EQ(n.Balance("vol1"), 18u); }},
  });
}

TEST(Rules, ServiceIntervalsMayNotOverlap) {
  RunCases({
      {"back to back",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay + 9 * kHour, 60);
         return n.Record("coord2", {"vol1"}, kDay + 10 * kHour, 60);
       },
       std::nullopt, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 120u); }},
      {"the later interval overlaps",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay + 9 * kHour, 120);
         return n.Record("coord2", {"vol1"}, kDay + 10 * kHour, 60);
       },
       FindingCode::kOverlap, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 120u); }},
      {"an earlier interval arriving later displaces the overlapping one",
       [](Neighbourhood& n) {
         auto later = n.Record("coord", {"vol1"}, kDay + 10 * kHour, 60);
         n.Record("coord2", {"vol1"}, kDay + 9 * kHour, 120);
         return later;
       },
       FindingCode::kOverlap, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 120u); }},
  });
}

TEST(Rules, MinutesCapsPerEntryAndPerDay) {
  RunCases({
      {"at the per-entry cap",
       [](Neighbourhood& n) { return n.Record("coord", {"vol1"}, kDay, 240); },
       std::nullopt, nullptr},
      {"over the per-entry cap",
       [](Neighbourhood& n) { return n.Record("coord", {"vol1"}, kDay, 241); },
       FindingCode::kEntryCapExceeded, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 0u); }},
      {"at the per-day cap",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay + 6 * kHour, 240);
         return n.Record("coord", {"vol1"}, kDay + 12 * kHour, 240);
       },
       std::nullopt, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 480u); }},
      {"over the per-day cap",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay + 6 * kHour, 240);
         n.Record("coord", {"vol1"}, kDay + 12 * kHour, 240);
         return n.Record("coord", {"vol1"}, kDay + 18 * kHour, 30);
       },
       FindingCode::kDayCapExceeded, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 480u); }},
      {"the next day starts afresh",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay + 6 * kHour, 240);
         n.Record("coord", {"vol1"}, kDay + 12 * kHour, 240);
         return n.Record("coord", {"vol1"}, kDay + 24 * kHour, 30);
       },
       std::nullopt, nullptr},
  });
}

TEST(Rules, RoleRevocationTakesEffectAfterItsBoundary) {
  RunCases({
      {"acts up to the boundary count",
       [](Neighbourhood& n) {
         auto before = n.Record("coord", {"vol1"}, kDay, 60);  // coord seq 1
         n.Apply(n.c.Sign("admin", RoleRevoke{n.c.key("coord"), Role::kCoordinator, 1}));
         return before;
       },
       std::nullopt, nullptr},
      {"acts after the boundary do not",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay, 60);
         n.Apply(n.c.Sign("admin", RoleRevoke{n.c.key("coord"), Role::kCoordinator, 1}));
         return n.Record("coord", {"vol2"}, kDay, 60);  // seq 2
       },
       FindingCode::kRoleMissing,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.Minutes("vol1"), 60u);
         EXPECT_EQ(n.Minutes("vol2"), 0u);
       }},
      {"the same whichever arrives first",
       [](Neighbourhood& n) {
         auto first = n.c.Sign("coord", ServiceRecord{"Visit", "care", kDay, 60, {n.c.key("vol1")}});
         auto second = n.c.Sign("coord", ServiceRecord{"Visit", "care", kDay, 60, {n.c.key("vol2")}});
         n.Apply(n.c.Sign("admin", RoleRevoke{n.c.key("coord"), Role::kCoordinator, 1}));
         EntryId id = second.id;
         n.Apply(std::move(second));  // pending until its prev arrives
         n.Apply(std::move(first));
         return id;
       },
       FindingCode::kRoleMissing, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 60u); }},
      {"a non-admin cannot revoke",
       [](Neighbourhood& n) {
         return n.Apply(n.c.Sign("coord2", RoleRevoke{n.c.key("coord"), Role::kCoordinator, 0}));
       },
       FindingCode::kRoleMissing,
       [](Neighbourhood& n) {
         EXPECT_TRUE(n.state.HoldsRole(n.c.key("coord"), 1, Role::kCoordinator));
       }},
  });
}

TEST(Rules, DebitsMustBeFunded) {
  RunCases({
      {"a funded transfer moves points",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay, 120);  // 20 points
         return n.Apply(n.c.Sign("vol1", Transfer{n.c.key("vol2"), 15, "for grandma"}));
       },
       std::nullopt,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.Balance("vol1"), 5u);
         EXPECT_EQ(n.Balance("vol2"), 15u);
       }},
      {"an unfunded redeem is stored and flagged, not lost",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay, 60);  // 10 points
         auto item = n.Item(50, 3);
         return n.RedeemItem("vol1", item, 50);
       },
       FindingCode::kUnfunded,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.Balance("vol1"), 10u);
         EXPECT_EQ(n.state.Account(n.c.key("vol1"))->unfunded_points, 50u);
         EXPECT_EQ(n.state.Spendable(n.c.key("vol1")), 0u);
       }},
      {"an unfunded redeem becomes funded when credits arrive",
       [](Neighbourhood& n) {
         auto item = n.Item(50, 3);
         auto redeem = n.RedeemItem("vol1", item, 50);
         n.Record("coord", {"vol1"}, kDay, 240);       // 40 points
         n.Record("coord", {"vol1"}, kDay + 5 * kHour, 60);  // 10 more
         return redeem;
       },
       std::nullopt, [](Neighbourhood& n) { EXPECT_EQ(n.Balance("vol1"), 0u); }},
      {"points cannot circulate into existence",
       [](Neighbourhood& n) {
         n.Apply(n.c.Sign("vol1", Transfer{n.c.key("vol2"), 10, ""}));
         return n.Apply(n.c.Sign("vol2", Transfer{n.c.key("vol1"), 10, ""}));
       },
       FindingCode::kUnfunded,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.Balance("vol1"), 0u);
         EXPECT_EQ(n.Balance("vol2"), 0u);
       }},
  });
}

TEST(Rules, VouchersAndStock) {
  RunCases({
      {"a funded voucher is fulfilled",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay, 240);
         auto item = n.Item(30, 2);
         auto redeem = n.RedeemItem("vol1", item, 30);
         return n.Apply(n.c.Sign("station", Fulfil{redeem}));
       },
       std::nullopt,
       [](Neighbourhood& n) {
         auto items = n.state.Items();
         ASSERT_EQ(items.size(), 1u);
         EXPECT_EQ(items[0].stock, 1u);
         EXPECT_EQ(items[0].fulfilled, 1u);
         EXPECT_EQ(n.Balance("vol1"), 10u);
       }},
      {"a second fulfil of one voucher",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay, 240);
         auto item = n.Item(30, 2);
         auto redeem = n.RedeemItem("vol1", item, 30);
         auto a = n.Apply(n.c.Sign("station", Fulfil{redeem}));
         auto b = n.Apply(n.c.Sign("station", Fulfil{redeem}));
         return std::max(a, b);  // fulfils count in id order: the larger id is the repeat
       },
       FindingCode::kAlreadyFulfilled,
       [](Neighbourhood& n) { EXPECT_EQ(n.state.Items()[0].stock, 1u); }},
      {"stock exhausted",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay, 240);
         n.Record("coord", {"vol2"}, kDay, 240);
         auto item = n.Item(30, 1);
         auto r1 = n.RedeemItem("vol1", item, 30);
         auto r2 = n.RedeemItem("vol2", item, 30);
         auto a = n.Apply(n.c.Sign("station", Fulfil{r1}));
         auto b = n.Apply(n.c.Sign("station", Fulfil{r2}));
         return std::max(a, b);
       },
       FindingCode::kOutOfStock,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.state.Items()[0].stock, 0u);
         EXPECT_EQ(n.state.Items()[0].fulfilled, 1u);
       }},
      {"an unfunded voucher is not fulfilled",
       [](Neighbourhood& n) {
         auto item = n.Item(30, 1);
         auto redeem = n.RedeemItem("vol1", item, 30);
         return n.Apply(n.c.Sign("station", Fulfil{redeem}));
       },
       FindingCode::kUnfunded, [](Neighbourhood& n) { EXPECT_EQ(n.state.Items()[0].stock, 1u); }},
      {"a voucher below the price",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay, 240);
         auto item = n.Item(30, 1);
         auto redeem = n.RedeemItem("vol1", item, 20);
         return n.Apply(n.c.Sign("station", Fulfil{redeem}));
       },
       FindingCode::kVoucherMismatch, nullptr},
      {"a catalogue item from a key with no station role",
       [](Neighbourhood& n) { return n.Apply(n.c.Sign("vol1", CatalogItem{"Oil", 10, 5})); },
       FindingCode::kRoleMissing, [](Neighbourhood& n) { EXPECT_TRUE(n.state.Items().empty()); }},
  });
}

TEST(Rules, WithdrawingAGift) {
  RunCases({
      {"the listing station withdraws its gift; a restock signed before still counts",
       [](Neighbourhood& n) {
         auto item = n.Item(30, 2);
         n.Apply(n.c.Sign("station", Restock{item, 3}));
         return n.Apply(n.c.Sign("station", CatalogWithdraw{item, "no longer stocked"}));
       },
       std::nullopt,
       [](Neighbourhood& n) {
         auto items = n.state.Items();
         ASSERT_EQ(items.size(), 1u);
         EXPECT_TRUE(items[0].withdrawn);
         EXPECT_EQ(items[0].stock, 5u);
       }},
      {"a restock signed after the withdrawal",
       [](Neighbourhood& n) {
         auto item = n.Item(30, 2);
         n.Apply(n.c.Sign("station", CatalogWithdraw{item, ""}));
         return n.Apply(n.c.Sign("station", Restock{item, 3}));
       },
       FindingCode::kItemWithdrawn,
       [](Neighbourhood& n) { EXPECT_EQ(n.state.Items()[0].stock, 2u); }},
      {"a voucher signed before the withdrawal is still handed over",
       [](Neighbourhood& n) {
         n.Record("coord", {"vol1"}, kDay, 240);
         auto item = n.Item(30, 2);
         auto redeem = n.RedeemItem("vol1", item, 30);
         n.Apply(n.c.Sign("station", CatalogWithdraw{item, ""}));
         return n.Apply(n.c.Sign("station", Fulfil{redeem}));
       },
       std::nullopt,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.state.Items()[0].fulfilled, 1u);
         EXPECT_EQ(n.Balance("vol1"), 10u);
       }},
      {"a withdrawal by a key that does not list the gift",
       [](Neighbourhood& n) {
         auto item = n.Item(30, 2);
         return n.Apply(n.c.Sign("coord", CatalogWithdraw{item, ""}));
       },
       FindingCode::kRoleMissing,
       [](Neighbourhood& n) { EXPECT_FALSE(n.state.Items()[0].withdrawn); }},
  });
}

TEST(Rules, ReversalCancelsACredit) {
  RunCases({
      {"an admin reverses a fraudulent record",
       [](Neighbourhood& n) {
         auto record = n.Record("coord", {"vol1", "vol2"}, kDay, 60);
         n.Apply(n.c.Sign("admin", Reversal{record, n.c.key("vol1"), "was not there"}));
         return record;
       },
       FindingCode::kReversed,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.Minutes("vol1"), 0u);
         EXPECT_EQ(n.Minutes("vol2"), 60u);
       }},
      {"a non-admin's reversal does nothing",
       [](Neighbourhood& n) {
         auto record = n.Record("coord", {"vol1"}, kDay, 60);
         return n.Apply(n.c.Sign("coord2", Reversal{record, std::nullopt, "jealous"}));
       },
       FindingCode::kRoleMissing, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 60u); }},
  });
}

TEST(Rules, ForksAreKeptAsEvidenceAndHurtOnlyTheForker) {
  Neighbourhood n;
  n.Record("coord", {"vol1"}, kDay, 240);  // 40 points
  auto first = n.Apply(n.c.Sign("vol1", Transfer{n.c.key("vol2"), 25, "branch a"}));
  auto second = n.c.SignAt("vol1", 1, std::nullopt, Transfer{n.c.key("vol3"), 10, "branch b"});
  EntryId second_id = second.id;
  n.Apply(std::move(second));
  // Both branches stored, both flagged, the pair is evidence.
  EXPECT_NE(n.state.Find(first), nullptr);
  EXPECT_NE(n.state.Find(second_id), nullptr);
  auto forks = n.state.Forks();
  ASSERT_EQ(forks.size(), 1u);
  EXPECT_EQ(forks[0].author, n.c.key("vol1"));
  EXPECT_EQ(forks[0].entries.size(), 2u);
  for (const auto& id : {first, second_id}) {
    auto codes = n.Codes(id);
    EXPECT_NE(std::find(codes.begin(), codes.end(), FindingCode::kFork), codes.end());
    EXPECT_EQ(n.state.Status(id), EntryStatus::kSuspended);
  }
  // Every debit counts against the forker; no credit reaches anyone until resolved.
  EXPECT_EQ(n.Balance("vol1"), 5u);
  EXPECT_EQ(n.Balance("vol2"), 0u);
  EXPECT_EQ(n.Balance("vol3"), 0u);
  // An admin picks branch a: its transfer now credits vol2; branch b stays suspended.
  n.Apply(n.c.Sign("admin", ForkResolution{n.c.key("vol1"), 1, first}));
  EXPECT_EQ(n.state.Status(first), EntryStatus::kActive);
  EXPECT_EQ(n.state.Status(second_id), EntryStatus::kSuspended);
  EXPECT_EQ(n.Balance("vol2"), 25u);
  EXPECT_EQ(n.Balance("vol3"), 0u);
  EXPECT_EQ(n.Balance("vol1"), 5u);
}

TEST(Rules, RecoveryMovesTheAccountAndFencesTheOldKey) {
  Neighbourhood n;
  PublicKey old_key = n.c.key("vol1");
  n.Record("coord", {"vol1"}, kDay, 120);  // 20 points
  n.Apply(n.c.Sign("vol1", Transfer{n.c.key("vol2"), 5, ""}));  // vol1 seq 1
  auto stolen = n.Apply(n.c.Sign("vol1", Transfer{n.c.key("vol3"), 15, "thief"}));  // seq 2
  PublicKey new_key = n.c.Rekey("vol1");
  n.Apply(n.c.Sign("admin", Recover{old_key, new_key, 1}));
  EXPECT_EQ(n.state.Status(stolen), EntryStatus::kFenced);
  EXPECT_EQ(n.Codes(stolen), std::vector<FindingCode>{FindingCode::kFenced});
  auto account = n.state.Account(new_key);
  ASSERT_TRUE(account);
  EXPECT_EQ(account->id, old_key);
  EXPECT_EQ(account->keys, (std::vector<PublicKey>{old_key, new_key}));
  EXPECT_EQ(account->minutes, 120u);
  EXPECT_EQ(account->balance, 15u);
  EXPECT_EQ(n.Balance("vol3"), 0u);
  // The new key spends from the same account.
  n.Apply(n.c.Sign("vol1", Transfer{n.c.key("vol3"), 15, "mine"}));
  EXPECT_EQ(n.state.Account(old_key)->balance, 0u);
  EXPECT_EQ(n.Balance("vol3"), 15u);
}

TEST(Rules, RecoveryNeedsAnAdmin) {
  Neighbourhood n;
  PublicKey old_key = n.c.key("vol1");
  PublicKey new_key = n.c.key("thief");
  auto attempt = n.Apply(n.c.Sign("coord", Recover{old_key, new_key, 0}));
  EXPECT_EQ(n.Codes(attempt), std::vector<FindingCode>{FindingCode::kRoleMissing});
  EXPECT_EQ(n.state.AccountOf(new_key), new_key);
}

TEST(Rules, KeyRotationByTheOwner) {
  Neighbourhood n;
  PublicKey old_key = n.c.key("vol1");
  n.Record("coord", {"vol1"}, kDay, 60);
  PublicKey new_key = n.c.key("vol1-new");
  n.Apply(n.c.Sign("vol1", KeyRotate{old_key, new_key, 1}));
  EXPECT_EQ(n.state.AccountOf(new_key), old_key);
  n.Record("coord", {"vol1-new"}, kDay + 2 * kHour, 60);
  EXPECT_EQ(n.state.Account(new_key)->minutes, 120u);
}

// What a station's offline limit bounds: vouchers handed over that this ledger cannot
// show funded, whether unfunded here or still waiting for earlier entries of their
// chain; a funded one, or one nobody fulfilled, is not counted.
TEST(Rules, FulfilledUnfundedPointsCountsVouchersHandedOverButNotShownFunded) {
  Neighbourhood n;
  auto item = n.Item(10, 10);
  EXPECT_EQ(n.state.FulfilledUnfundedPoints(n.c.key("vol1")), 0u);
  // An unfunded voucher nobody handed over yet counts nothing.
  auto unfunded = n.RedeemItem("vol1", item, 12);
  EXPECT_EQ(n.state.FulfilledUnfundedPoints(n.c.key("vol1")), 0u);
  n.Apply(n.c.Sign("station", Fulfil{unfunded}));
  EXPECT_EQ(n.state.FulfilledUnfundedPoints(n.c.key("vol1")), 12u);
  // A voucher whose prev this ledger has not seen waits in the pending pool.
  auto gap = n.c.Sign("vol1", Transfer{n.c.key("vol2"), 1, ""});
  auto pending = n.c.Sign("vol1", Redeem{item, n.c.key("station"), 15, "pending"});
  EntryId pending_id = pending.id;
  EXPECT_EQ(n.state.Add(std::move(pending)).outcome, AddOutcome::kPending);
  n.Apply(n.c.Sign("station", Fulfil{pending_id}));
  EXPECT_EQ(n.state.FulfilledUnfundedPoints(n.c.key("vol1")), 27u);
  // Credits arrive, then the missing entry: every voucher is covered and none counts.
  n.Record("coord", {"vol1"}, kDay, 240);  // 40 points
  EXPECT_EQ(n.state.FulfilledUnfundedPoints(n.c.key("vol1")), 15u);
  n.Apply(std::move(gap));
  EXPECT_EQ(n.state.Status(pending_id), EntryStatus::kActive);
  EXPECT_TRUE(n.state.IsFunded(pending_id));
  EXPECT_EQ(n.state.FulfilledUnfundedPoints(n.c.key("vol1")), 0u);
  // Another volunteer's vouchers are theirs.
  EXPECT_EQ(n.state.FulfilledUnfundedPoints(n.c.key("vol2")), 0u);
}

// The claims a steward finds waiting: no valid verdict yet, not reversed; for a judge,
// only those they could confirm (a coordinator: any but their own; a resident: those
// naming them as helped). A verdict by someone who may not give one leaves it waiting.
TEST(Rules, WaitingClaimsAreThoseAJudgeCouldStillConfirm) {
  Neighbourhood n;
  auto at = [](int minute) {
    return testing::kTestClockMs + static_cast<std::uint64_t>(minute) * 60'000;
  };
  auto claim = [&](const std::string& who, std::uint64_t start, std::optional<PublicKey> helped,
                   int minute) {
    return n.Apply(
        n.c.Sign(who, ServiceClaim{"Shopping", "care", start, 60, std::move(helped)}, at(minute)));
  };
  auto plain = claim("vol1", kDay, std::nullopt, 1);
  auto for_vol3 = claim("vol2", kDay, n.c.key("vol3"), 2);
  auto confirmed = claim("vol3", kDay + 2 * kHour, std::nullopt, 3);
  auto rejected = claim("vol1", kDay + 2 * kHour, std::nullopt, 4);
  auto stranger_confirmed = claim("vol2", kDay + 4 * kHour, std::nullopt, 5);
  n.Apply(n.c.Sign("coord", ServiceConfirm{confirmed, ""}, at(10)));
  n.Apply(n.c.Sign("coord2", ServiceReject{rejected, "not seen"}, at(11)));
  n.Apply(n.c.Sign("vol1", ServiceConfirm{stranger_confirmed, ""}, at(12)));
  using Ids = std::vector<EntryId>;
  const Ids all{plain, for_vol3, stranger_confirmed};  // oldest first
  EXPECT_EQ(n.state.WaitingClaims(std::nullopt), all);
  EXPECT_EQ(n.state.WaitingClaims(n.c.key("coord")), all);
  EXPECT_EQ(n.state.WaitingClaims(n.c.key("vol3")), Ids{for_vol3});
  EXPECT_EQ(n.state.WaitingClaims(n.c.key("vol2")), Ids{}) << "its own, and none names it";
  EXPECT_EQ(n.state.WaitingClaims(n.c.key("vol1")), Ids{});
  // A coordinator's own claim is not theirs to judge.
  n.Apply(n.c.Sign("admin", Enrol{n.c.key("coord"), "coord", "", "", {}}, at(13)));
  auto own = claim("coord", kDay + 6 * kHour, std::nullopt, 14);
  EXPECT_EQ(n.state.WaitingClaims(n.c.key("coord")), all);
  EXPECT_EQ(n.state.WaitingClaims(n.c.key("coord2")),
            (Ids{plain, for_vol3, stranger_confirmed, own}));
  // A reversed claim waits no longer; a revoked coordinator judges like anyone.
  n.Apply(n.c.Sign("admin", Reversal{plain, std::nullopt, "never happened"}, at(15)));
  EXPECT_EQ(n.state.WaitingClaims(std::nullopt), (Ids{for_vol3, stranger_confirmed, own}));
  n.Apply(n.c.Sign(
      "admin", RoleRevoke{n.c.key("coord2"), Role::kCoordinator, n.c.head_seq("coord2")}, at(16)));
  EXPECT_EQ(n.state.WaitingClaims(n.c.key("coord2")), Ids{});
}

TEST(Rules, EntryWaitsForItsPrevThenApplies) {
  Neighbourhood n;
  n.Record("coord", {"vol1"}, kDay, 120);
  auto first = n.c.Sign("vol1", Transfer{n.c.key("vol2"), 5, ""});
  auto second = n.c.Sign("vol1", Transfer{n.c.key("vol2"), 5, ""});
  EntryId second_id = second.id;
  auto result = n.state.Add(std::move(second));
  EXPECT_EQ(result.outcome, AddOutcome::kPending);
  n.state.Settle();
  EXPECT_EQ(n.state.Status(second_id), EntryStatus::kPending);
  EXPECT_EQ(n.state.pending_count(), 1u);
  EXPECT_EQ(n.Balance("vol2"), 0u);
  EXPECT_EQ(n.state.Add(std::move(first)).outcome, AddOutcome::kApplied);
  n.state.Settle();
  EXPECT_EQ(n.state.Status(second_id), EntryStatus::kActive);
  EXPECT_EQ(n.state.pending_count(), 0u);
  EXPECT_EQ(n.Balance("vol2"), 10u);
}

TEST(Rules, EntryOfAnotherCommunityIsRefused) {
  Neighbourhood n;
  TestCommunity elsewhere(testing::TestPolicy(), 42);
  auto foreign = elsewhere.Sign("vol1", Transfer{elsewhere.key("vol2"), 5, ""});
  auto result = n.state.Add(std::move(foreign));
  EXPECT_EQ(result.outcome, AddOutcome::kInvalid);
  EXPECT_NE(result.reason.find("another community"), std::string::npos);
}

TEST(Rules, PrevThatIsNotTheAuthorsPreviousEntryIsRefused) {
  Neighbourhood n;
  auto other = n.Apply(n.c.Sign("vol2", Transfer{n.c.key("vol3"), 1, ""}));
  auto bad = n.c.SignAt("vol1", 2, other, Transfer{n.c.key("vol3"), 1, ""});
  auto result = n.state.Add(std::move(bad));
  EXPECT_EQ(result.outcome, AddOutcome::kInvalid);
}

TEST(Rules, DuplicateIsDroppedQuietly) {
  Neighbourhood n;
  auto v = n.c.Sign("vol1", Transfer{n.c.key("vol2"), 1, ""});
  auto copy = v;
  n.Apply(std::move(v));
  EXPECT_EQ(n.state.Add(std::move(copy)).outcome, AddOutcome::kDuplicate);
}

TEST(Rules, NodeRosterFollowsGrantsAndRevocations) {
  Neighbourhood n;
  n.Apply(n.c.Sign("admin", NodeGrant{n.c.key("office-node"), "office"}));
  n.Apply(n.c.Sign("admin", NodeGrant{n.c.key("laptop"), "station laptop"}));
  n.Apply(n.c.Sign("coord", NodeGrant{n.c.key("rogue"), "mine"}));
  EXPECT_EQ(n.state.NodeRoster().size(), 2u);
  n.Apply(n.c.Sign("admin", NodeRevoke{n.c.key("laptop"), "stolen"}));
  EXPECT_EQ(n.state.NodeRoster(), std::vector<PublicKey>{n.c.key("office-node")});
}

TEST(Rules, CheckpointNeedsAnAuditor) {
  Neighbourhood n;
  n.Apply(n.c.Sign("admin", RoleGrant{n.c.key("auditor"), Role::kAuditor, 0}));
  auto good = n.Apply(n.c.Sign("auditor", AuditCheckpoint{Bytes(32, 'a'), 3, Bytes(32, 'b'), Bytes()}));
  auto bad = n.Apply(n.c.Sign("vol1", AuditCheckpoint{Bytes(32, 'a'), 3, Bytes(32, 'b'), Bytes()}));
  EXPECT_TRUE(n.Codes(good).empty());
  EXPECT_EQ(n.Codes(bad), std::vector<FindingCode>{FindingCode::kRoleMissing});
}

}  // namespace
}  // namespace lovebank::ledger

namespace lovebank::ledger {
namespace {

// ---- Help requests (docs/ledger-rules.md, "Help requests") ----------------------

// A resident "res" (a member), and a request for her with `volunteers` places.
struct HelpDesk {
  explicit HelpDesk(Neighbourhood& hood) : n(hood) {
    n.Apply(n.c.Sign("admin", Enrol{n.c.key("res"), "Chen", "Grid 1", "Building 3", {}}));
  }
  EntryId Open(const std::string& author, std::uint32_t volunteers = 2,
               Channel channel = Channel::kPhone, std::string category = "care") {
    RequestOpen o{category,     "Junk in the stairwell", {},         "Grid 1",
                  "Building 3", Urgency::kNormal,        volunteers, channel};
    if (author != "res") o.resident = n.c.key("res");
    return request = n.Apply(n.c.Sign(author, o));
  }
  EntryId Take(const std::string& who) { return n.Apply(n.c.Sign(who, RequestTake{request})); }
  EntryId Resolve(const std::string& who, std::uint64_t start = kDay, std::uint32_t minutes = 60) {
    return n.Apply(n.c.Sign(who, RequestResolve{request, start, minutes, "cleared"}));
  }
  EntryId Confirm(const std::string& who, std::vector<EntryId> resolves, const EntryId& after) {
    std::sort(resolves.begin(), resolves.end());
    return n.Apply(n.c.Sign(who, RequestConfirm{request, after, resolves, 5, "thank you"}));
  }
  EntryId Confirm(const std::string& who, std::vector<EntryId> resolves) {
    return Confirm(who, std::move(resolves), request);
  }
  Neighbourhood& n;
  EntryId request;
};

TEST(RequestRules, WhoMayOpen) {
  RunCases({
      {"a resident asks for herself",
       [](Neighbourhood& n) { return HelpDesk(n).Open("res", 1, Channel::kApp); }, std::nullopt},
      {"a steward opens a phoned-in request for her",
       [](Neighbourhood& n) { return HelpDesk(n).Open("coord"); }, std::nullopt},
      {"a volunteer opens one on someone else's behalf",
       [](Neighbourhood& n) { return HelpDesk(n).Open("vol1"); }, FindingCode::kRoleMissing},
      {"a request for someone who is not a member",
       [](Neighbourhood& n) {
         return n.Apply(n.c.Sign("coord", RequestOpen{"care", "Leak", n.c.key("stranger"), "G", "B",
                                                      Urgency::kNormal, 1, Channel::kPhone}));
       },
       FindingCode::kNotMember},
      {"a category the policy does not have",
       [](Neighbourhood& n) { return HelpDesk(n).Open("coord", 1, Channel::kPhone, "juggling"); },
       FindingCode::kUnknownCategory},
  });
}

TEST(RequestRules, WhoMayTake) {
  RunCases({
      {"a member volunteer takes it",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         return d.Take("vol1");
       },
       std::nullopt},
      {"the resident takes her own request",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         return d.Take("res");
       },
       FindingCode::kOwnRequest},
      {"the opener takes the request she opened",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("res", 1, Channel::kApp);
         return d.Take("res");
       },
       FindingCode::kOwnRequest},
      {"someone who is not a member takes it",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         return d.Take("coord2");
       },
       FindingCode::kNotMember},
      {"a volunteer takes it twice",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         return std::max(d.Take("vol1"), d.Take("vol1"));  // the lower id counts
       },
       FindingCode::kAlreadyTaken},
      {"a take of a request nobody opened",
       [](Neighbourhood& n) {
         return n.Apply(n.c.Sign("vol1", RequestTake{n.c.Sign("coord", Enrol{}).id}));
       },
       FindingCode::kUnknownRequest},
  });
}

// The places go to the first takes by id, whatever order they arrive in.
TEST(RequestRules, PlacesGoToTheLowestIdsInAnyOrder) {
  for (bool reverse : {false, true}) {
    SCOPED_TRACE(reverse ? "takes arrive in reverse" : "takes arrive in order");
    Neighbourhood n;
    HelpDesk d(n);
    d.Open("coord", 1);
    auto a = n.c.Sign("vol1", RequestTake{d.request});
    auto b = n.c.Sign("vol2", RequestTake{d.request});
    const bool a_first = a.id < b.id;
    const EntryId winner = a_first ? a.id : b.id, loser = a_first ? b.id : a.id;
    if (reverse) std::swap(a, b);
    n.Apply(std::move(a));
    n.Apply(std::move(b));
    EXPECT_TRUE(n.Codes(winner).empty());
    EXPECT_EQ(n.Codes(loser), std::vector<FindingCode>{FindingCode::kRequestFull});
  }
}

TEST(RequestRules, ResolvesAreCreditedWhenAConfirmationNamesThem) {
  RunCases({
      {"the resident confirms the work of the two who took it",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         d.Take("vol1");
         d.Take("vol2");
         auto r1 = d.Resolve("vol1");
         auto r2 = d.Resolve("vol2", kDay, 90);
         EXPECT_EQ(n.Minutes("vol1"), 0u) << "nothing counts before the confirmation";
         return d.Confirm("res", {r1, r2});
       },
       std::nullopt,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.Minutes("vol1"), 60u);
         EXPECT_EQ(n.Balance("vol1"), 10u);
         EXPECT_EQ(n.Minutes("vol2"), 90u);
         EXPECT_EQ(n.Minutes("vol3"), 0u);
       }},
      {"a resolve by someone whose take does not count",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord", 1);
         d.Take("vol1");
         auto r = d.Resolve("vol3");
         d.Confirm("res", {r});
         return r;
       },
       FindingCode::kNotTaken, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol3"), 0u); }},
      {"a resolve the confirmation does not name waits, without a finding",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         d.Take("vol1");
         d.Take("vol2");
         auto r1 = d.Resolve("vol1");
         auto r2 = d.Resolve("vol2");
         d.Confirm("res", {r1});
         return r2;
       },
       std::nullopt,
       [](Neighbourhood& n) {
         EXPECT_EQ(n.Minutes("vol1"), 60u);
         EXPECT_EQ(n.Minutes("vol2"), 0u);
       }},
      {"a confirmed resolve overlapping service already counted",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         n.Record("coord", {"vol1"}, kDay, 60);
         d.Open("coord");
         d.Take("vol1");
         auto r = d.Resolve("vol1", kDay + 30 * 60'000, 60);
         d.Confirm("res", {r});
         return r;
       },
       FindingCode::kOverlap, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 60u); }},
  });
}

TEST(RequestRules, WhoMayConfirm) {
  RunCases({
      {"a steward confirms a phoned-in request for the resident",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord", 1, Channel::kPhone);
         d.Take("vol1");
         return d.Confirm("coord2", {d.Resolve("vol1")});
       },
       std::nullopt, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 60u); }},
      {"a steward confirms a request the resident made in the app",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("res", 1, Channel::kApp);
         d.Take("vol1");
         return d.Confirm("coord", {d.Resolve("vol1")});
       },
       FindingCode::kNotResident, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 0u); }},
      {"another member confirms a request that is not hers",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         d.Take("vol1");
         return d.Confirm("vol2", {d.Resolve("vol1")});
       },
       FindingCode::kNotResident},
      {"a steward who took the request confirms it",
       [](Neighbourhood& n) {
         n.Apply(n.c.Sign("admin", Enrol{n.c.key("coord2"), "Wang", "Grid 1", "Building 1", {}}));
         HelpDesk d(n);
         d.Open("coord");
         d.Take("coord2");
         return d.Confirm("coord2", {d.Resolve("coord2")});
       },
       FindingCode::kSelfConfirmation,
       [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("coord2"), 0u); }},
  });
}

TEST(RequestRules, TheStateFollowsTheChainOfAfter) {
  RunCases({
      {"a second confirmation after a confirmation",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         d.Take("vol1");
         auto r = d.Resolve("vol1");
         auto first = d.Confirm("res", {r});
         return d.Confirm("res", {r}, first);
       },
       FindingCode::kStaleRequest, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 60u); }},
      {"a reopen, new work, and a confirmation after the reopen",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         d.Take("vol1");
         auto first = d.Confirm("res", {d.Resolve("vol1")});
         auto reopen = n.Apply(n.c.Sign("res", RequestReopen{d.request, first, "came back"}));
         return d.Confirm("res", {d.Resolve("vol1", kDay + 2 * kHour, 30)}, reopen);
       },
       std::nullopt, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 90u); }},
      {"a reopen by a member who is neither the resident nor a steward",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         d.Take("vol1");
         auto first = d.Confirm("res", {d.Resolve("vol1")});
         return n.Apply(n.c.Sign("vol1", RequestReopen{d.request, first, "more"}));
       },
       FindingCode::kNotResident},
      {"the opener closes it",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         return n.Apply(n.c.Sign(
             "coord", RequestClose{d.request, d.request, CloseReason::kDuplicate, "twice"}));
       },
       std::nullopt},
      {"a confirmation of a closed request",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         d.Take("vol1");
         auto r = d.Resolve("vol1");
         auto close = n.Apply(n.c.Sign(
             "coord", RequestClose{d.request, d.request, CloseReason::kReferred, "12345"}));
         return d.Confirm("res", {r}, close);
       },
       FindingCode::kStaleRequest, [](Neighbourhood& n) { EXPECT_EQ(n.Minutes("vol1"), 0u); }},
      {"a close by a member with no part in it",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         return n.Apply(
             n.c.Sign("vol3", RequestClose{d.request, d.request, CloseReason::kCancelled, ""}));
       },
       FindingCode::kNotResident},
  });
}

// Two acts on one state: the lower id wins, in either order; the other is stale.
TEST(RequestRules, TwoActsOnOneStateTheLowerIdWins) {
  for (bool reverse : {false, true}) {
    SCOPED_TRACE(reverse ? "reverse" : "in order");
    Neighbourhood n;
    HelpDesk d(n);
    d.Open("coord");
    d.Take("vol1");
    auto r = d.Resolve("vol1");
    auto confirm = n.c.Sign("res", RequestConfirm{d.request, d.request, {r}, 4, ""});
    auto close = n.c.Sign("coord2", RequestClose{d.request, d.request, CloseReason::kUnable, ""});
    const bool confirm_wins = confirm.id < close.id;
    const EntryId winner = confirm_wins ? confirm.id : close.id;
    const EntryId loser = confirm_wins ? close.id : confirm.id;
    if (reverse) std::swap(confirm, close);
    n.Apply(std::move(confirm));
    n.Apply(std::move(close));
    EXPECT_TRUE(n.Codes(winner).empty());
    EXPECT_EQ(n.Codes(loser), std::vector<FindingCode>{FindingCode::kStaleRequest});
    EXPECT_EQ(n.Minutes("vol1"), confirm_wins ? 60u : 0u);
  }
}

TEST(RequestRules, EscalationNeedsACoordinator) {
  RunCases({
      {"a steward sends it up to the grid",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         return n.Apply(n.c.Sign("coord2", RequestEscalate{d.request, Level::kGrid, "overdue"}));
       },
       std::nullopt},
      {"a volunteer escalates",
       [](Neighbourhood& n) {
         HelpDesk d(n);
         d.Open("coord");
         return n.Apply(n.c.Sign("vol1", RequestEscalate{d.request, Level::kStreet, "angry"}));
       },
       FindingCode::kRoleMissing},
  });
}

TEST(RequestRules, AReversedConfirmationCreditsNothing) {
  Neighbourhood n;
  HelpDesk d(n);
  d.Open("coord");
  d.Take("vol1");
  auto confirm = d.Confirm("res", {d.Resolve("vol1")});
  ASSERT_EQ(n.Minutes("vol1"), 60u);
  n.Apply(n.c.Sign("admin", Reversal{confirm, std::nullopt, "she was away that day"}));
  EXPECT_EQ(n.Minutes("vol1"), 0u);
  EXPECT_EQ(n.Codes(confirm), std::vector<FindingCode>{FindingCode::kReversed});
}

TEST(RequestRules, TheViewTellsTheWholeStory) {
  Neighbourhood n;
  HelpDesk d(n);
  d.Open("coord", 2);
  d.Take("vol1");
  d.Take("vol2");
  auto r1 = d.Resolve("vol1");
  d.Resolve("vol2", kDay + 4 * kHour, 30);
  n.Apply(n.c.Sign("coord2", RequestEscalate{d.request, Level::kCommunity, "overdue"}));
  auto open = n.state.Request(d.request);
  ASSERT_TRUE(open.has_value());
  EXPECT_TRUE(open->counts);
  EXPECT_EQ(open->state, RequestView::State::kOpen);
  EXPECT_EQ(open->takers.size(), 2u);
  EXPECT_EQ(open->resolves.size(), 2u);
  EXPECT_TRUE(open->credited.empty());
  EXPECT_EQ(open->level, Level::kCommunity);
  EXPECT_EQ(open->resident, n.c.key("res"));
  d.Confirm("coord2", {r1});  // a phoned-in request: the steward confirms for her
  auto done = n.state.Request(d.request);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, RequestView::State::kConfirmed);
  EXPECT_EQ(done->credited, std::vector<EntryId>{r1});
  EXPECT_TRUE(done->confirmed_by_steward);
  EXPECT_EQ(done->rating, 5u);
  EXPECT_EQ(done->acts.size(), 7u);
  EXPECT_EQ(n.state.Requests().size(), 1u);
  EXPECT_FALSE(n.state.Request(r1).has_value()) << "a resolve is not a request";
}

// The same acts in the opposite order give the same state, findings and credits.
TEST(RequestRules, OrderDoesNotMatter) {
  auto build = [](bool reverse) {
    Neighbourhood n;
    HelpDesk d(n);
    std::vector<VerifiedEntry> acts;
    RequestOpen o{"care",           "Junk", n.c.key("res"), "Grid 1", "Building 3",
                  Urgency::kNormal, 2,      Channel::kPhone};
    acts.push_back(n.c.Sign("coord", o));
    const EntryId request = acts.back().id;
    for (auto who : {"vol1", "vol2", "vol3", "res"}) {
      acts.push_back(n.c.Sign(who, RequestTake{request}));
    }
    std::vector<EntryId> resolves;
    for (auto who : {"vol1", "vol2", "vol3"}) {
      acts.push_back(n.c.Sign(who, RequestResolve{request, kDay, 60, ""}));
      resolves.push_back(acts.back().id);
    }
    std::sort(resolves.begin(), resolves.end());
    acts.push_back(n.c.Sign("res", RequestConfirm{request, request, resolves, 5, ""}));
    acts.push_back(n.c.Sign("coord2", RequestEscalate{request, Level::kCommunity, ""}));
    if (reverse) std::reverse(acts.begin(), acts.end());
    for (auto& v : acts) n.Apply(std::move(v));
    return std::make_tuple(ToHex(n.state.StateHash()),
                           n.Minutes("vol1") + n.Minutes("vol2") + n.Minutes("vol3"));
  };
  auto forward = build(false);
  EXPECT_EQ(forward, build(true));
  EXPECT_EQ(std::get<1>(forward), 120u) << "two places, two volunteers credited";
}

// Regression (found from the wallet): places and the state go to the lowest ids, so a
// late act with a lower id would push out one its author was already told counts. At
// the counter it is refused instead; over gossip the ids still decide.
TEST(RequestRules, AnActThatWouldPushOutOneThatCountsIsRefused) {
  Neighbourhood n;
  HelpDesk d(n);
  d.Open("coord", 1);
  auto a = n.c.Sign("vol1", RequestTake{d.request});
  auto b = n.c.Sign("vol2", RequestTake{d.request});
  if (b.id < a.id) std::swap(a, b);  // a has the lower id
  const EntryId counted = b.id;
  ASSERT_TRUE(n.state.TryAdmit({std::move(b)}).admitted);
  n.state.Settle();
  Trial late = n.state.TryAdmit({std::move(a)});
  n.state.Settle();
  EXPECT_FALSE(late.admitted);
  ASSERT_TRUE(late.finding.has_value());
  EXPECT_EQ(late.finding->code, FindingCode::kRequestFull);
  EXPECT_EQ(late.about, counted) << "the refusal names the take it would push out";
  EXPECT_TRUE(n.Codes(counted).empty()) << "the take already made still counts";

  auto confirm = n.c.Sign("res", RequestConfirm{d.request, d.request, {}, 5, ""});
  auto close = n.c.Sign("coord", RequestClose{d.request, d.request, CloseReason::kCancelled, ""});
  const bool confirm_first = confirm.id > close.id;  // the higher id goes in first
  Trial first =
      confirm_first ? n.state.TryAdmit({std::move(confirm)}) : n.state.TryAdmit({std::move(close)});
  n.state.Settle();
  ASSERT_TRUE(first.admitted);
  Trial second =
      confirm_first ? n.state.TryAdmit({std::move(close)}) : n.state.TryAdmit({std::move(confirm)});
  n.state.Settle();
  EXPECT_FALSE(second.admitted);
  ASSERT_TRUE(second.finding.has_value());
  EXPECT_EQ(second.finding->code, FindingCode::kStaleRequest);
  EXPECT_EQ(n.state.Request(d.request)->state,
            confirm_first ? RequestView::State::kConfirmed : RequestView::State::kClosed);
}

// The one judgement: what can never count is refused before it is stored.
TEST(RequestRules, TheWalletsActsAreJudgedBeforeTheyAreStored) {
  Neighbourhood n;
  HelpDesk d(n);
  d.Open("coord", 2);
  auto judge = [&](const std::string& who, EntryKind kind) {
    const auto seq = n.c.head_seq(who);
    const auto head = n.c.head_id(who);
    auto v = n.c.Sign(who, std::move(kind));
    const EntryKind copy = v.entry.kind;
    Trial t = n.state.TryAdmit({std::move(v)});
    n.state.Settle();
    if (!t.admitted) n.c.Rewind(who, seq, head);
    return t.admitted ? std::optional<RefusalCode>() : RefusalForTrial(t, copy);
  };
  EXPECT_EQ(judge("res", RequestTake{d.request}), RefusalCode::kOwnRequest);
  EXPECT_EQ(judge("vol1", RequestTake{d.request}), std::nullopt);
  EXPECT_EQ(judge("vol2", RequestResolve{d.request, kDay, 60, ""}), RefusalCode::kNotTaken);
  // Over the day's cap even if confirmed: refused now, not silently later.
  n.Record("coord", {"vol1"}, kDay - 2 * kHour, 60);
  EXPECT_EQ(judge("vol1", RequestResolve{d.request, kDay - 2 * kHour + 30 * 60'000, 60, ""}),
            RefusalCode::kOverlap);
  auto resolve = n.c.Sign("vol1", RequestResolve{d.request, kDay, 60, ""});
  const EntryId resolve_id = resolve.id;
  ASSERT_TRUE(n.state.TryAdmit({std::move(resolve)}).admitted);
  n.state.Settle();
  EXPECT_EQ(n.Minutes("vol1"), 60u) << "the resolve waits for its confirmation";
  EXPECT_EQ(judge("vol3", RequestConfirm{d.request, d.request, {resolve_id}, 5, ""}),
            RefusalCode::kNotResident);
  EXPECT_EQ(judge("res", RequestConfirm{d.request, d.request, {resolve_id}, 5, ""}), std::nullopt);
  EXPECT_EQ(n.Minutes("vol1"), 120u);
  EXPECT_EQ(judge("vol2", RequestTake{d.request}), RefusalCode::kStaleRequest)
      << "a confirmed request takes nobody until it is reopened";
  EXPECT_EQ(judge("coord", RequestEscalate{d.request, Level::kGrid, ""}), std::nullopt);
  EXPECT_EQ(judge("coord", RequestEscalate{d.request, Level::kGrid, ""}), RefusalCode::kNoEffect);

  HelpDesk one(n);  // (enrols the resident a second time, which changes nothing here)
  one.Open("coord", 1);
  EXPECT_EQ(judge("vol1", RequestTake{one.request}), std::nullopt);
  EXPECT_EQ(judge("vol2", RequestTake{one.request}), RefusalCode::kRequestFull);
  EXPECT_EQ(
      judge("vol2", RequestTake{EntryId::FromView(ByteView(std::string(32, '\x07'))).value()}),
      RefusalCode::kUnknownRequest);
}

TEST(RulesRegression, ReversalArrivingBeforeItsTransferStillCancelsIt) {
  Neighbourhood n;
  n.Record("coord", {"vol1"}, kDay, 120);  // 20 points
  auto transfer = n.c.Sign("vol1", Transfer{n.c.key("vol2"), 15, ""});
  EntryId id = transfer.id;
  n.Apply(n.c.Sign("admin", Reversal{id, std::nullopt, "coerced"}));
  n.Apply(std::move(transfer));
  EXPECT_EQ(n.Codes(id), std::vector<FindingCode>{FindingCode::kReversed});
  EXPECT_EQ(n.Balance("vol1"), 20u);
  EXPECT_EQ(n.Balance("vol2"), 0u);
}

// Regression (Trials property, seed 4706): a retry of an entry the node already held was
// admitted without asking whether it still counts. Here the first transfer is stored and
// counts, then a second entry 2 of the same chain arrives by gossip: both are suspended
// until an admin resolves the fork, and a retry of either must be refused as such,
// leaving the state as it was. A retry of an entry that still counts is admitted.
TEST(RulesRegression, ARetryOfAStoredEntryIsAdmittedOnlyIfItStillCounts) {
  Neighbourhood n;
  n.Record("coord", {"vol1"}, kDay, 120);  // 20 points
  auto first = n.c.Sign("vol1", Transfer{n.c.key("vol2"), 5, ""});
  const EntryId first_id = first.id;
  const VerifiedEntry first_copy = first;
  Trial fresh = n.state.TryAdmit({std::move(first)});
  n.state.Settle();
  ASSERT_TRUE(fresh.admitted);

  Trial retry = n.state.TryAdmit({first_copy});
  n.state.Settle();
  EXPECT_TRUE(retry.admitted) << "a retry of an entry that counts is not an error";
  EXPECT_EQ(n.Balance("vol2"), 5u);

  auto sibling = n.c.SignAt("vol1", first_copy.entry.seq, first_copy.entry.prev,
                            Transfer{n.c.key("vol3"), 7, ""});
  const VerifiedEntry sibling_copy = sibling;
  n.Apply(std::move(sibling));  // gossip stores a signed fact, even a fork
  ASSERT_EQ(n.state.Status(first_id), EntryStatus::kSuspended);
  const crypto::Digest before = n.state.StateHash();
  for (const VerifiedEntry& again : {first_copy, sibling_copy}) {
    Trial t = n.state.TryAdmit({again});
    n.state.Settle();
    EXPECT_FALSE(t.admitted);
    EXPECT_EQ(t.problem, TrialProblem::kInactive);
    EXPECT_EQ(t.status, EntryStatus::kSuspended);
    EXPECT_EQ(RefusalForTrial(t, again.entry.kind), RefusalCode::kForkSuspended);
    EXPECT_EQ(ToHex(n.state.StateHash()), ToHex(before));
    EXPECT_EQ(n.state.Status(again.id), EntryStatus::kSuspended);
  }
  EXPECT_EQ(n.Balance("vol2"), 0u);
  EXPECT_EQ(n.Balance("vol3"), 0u);
}

// Regression: an interval refused for the day cap kept that reason after an earlier,
// overlapping interval was credited incrementally; a replay says "overlap".
TEST(RulesRegression, RefusalReasonDoesNotDependOnArrivalOrder) {
  auto scenario = [](bool late_first) {
    Neighbourhood n;
    n.Record("coord", {"vol1"}, kDay, 240);              // 00:00-04:00
    n.Record("coord", {"vol1"}, kDay + 5 * kHour, 180);  // 05:00-08:00, 420 minutes today
    auto late = n.c.Sign("coord", ServiceRecord{"Visit", "care", kDay + 10 * kHour, 120,
                                                {n.c.key("vol1")}});
    auto early = n.c.Sign("coord2", ServiceRecord{"Visit", "care", kDay + 9 * kHour + kHour / 2,
                                                  60, {n.c.key("vol1")}});
    EntryId late_id = late.id;
    if (late_first) {
      n.Apply(std::move(late));
      n.Apply(std::move(early));
    } else {
      n.Apply(std::move(early));
      n.Apply(std::move(late));
    }
    EXPECT_EQ(n.Minutes("vol1"), 480u);
    return n.Codes(late_id);
  };
  EXPECT_EQ(scenario(true), std::vector<FindingCode>{FindingCode::kOverlap});
  EXPECT_EQ(scenario(false), std::vector<FindingCode>{FindingCode::kOverlap});
}

}  // namespace
}  // namespace lovebank::ledger

namespace lovebank::ledger {
namespace {

// Const reads of a settled state are safe from many threads at once (the node's HTTP
// threads share it under a shared lock); ThreadSanitizer checks it in the tsan preset.
TEST(StateReaders, ManyThreadsReadOneSettledStateAtOnce) {
  auto ledger = testing::GenerateRandomLedger(3, 1500);
  LedgerState state(ledger.genesis);
  for (const auto& e : ledger.entries) state.Add(e);
  state.Settle();
  const crypto::Digest expected = state.StateHash();
  const std::size_t findings = state.Findings().size();
  std::vector<std::thread> readers;
  std::atomic<int> agreed{0};
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      bool same = state.StateHash() == expected && state.Findings().size() == findings;
      for (const auto& e : ledger.entries) {
        same = same && state.FindingsOfEntry(e.id) == state.FindingsFor(e.id);
      }
      same = same && !state.Accounts().empty() && !state.Items().empty();
      if (same) agreed.fetch_add(1);
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(agreed.load(), 4);
}

}  // namespace
}  // namespace lovebank::ledger
