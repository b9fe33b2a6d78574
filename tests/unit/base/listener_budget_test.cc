// ListenerBudget: connections in all and per source, given back by their tickets.
#include "base/listener_budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace lovebank {
namespace {

TEST(ListenerBudget, HoldsEachSourceToItsShare) {
  ListenerBudget budget(ListenerBudgetOptions{5, 2});
  ListenerBudget::Verdict v{};
  auto a1 = budget.Admit("10.0.0.1", &v);
  auto a2 = budget.Admit("10.0.0.1", &v);
  EXPECT_TRUE(a1 && a2);
  auto a3 = budget.Admit("10.0.0.1", &v);
  EXPECT_FALSE(a3);
  EXPECT_EQ(v, ListenerBudget::Verdict::kSourceFull);
  auto b1 = budget.Admit("10.0.0.2", &v);
  auto b2 = budget.Admit("10.0.0.2", &v);
  auto c1 = budget.Admit("10.0.0.3", &v);
  EXPECT_TRUE(b1 && b2 && c1);
  auto c2 = budget.Admit("10.0.0.3", &v);
  EXPECT_FALSE(c2);
  EXPECT_EQ(v, ListenerBudget::Verdict::kFull);
  EXPECT_EQ(budget.open(), 5u);
  EXPECT_EQ(budget.refused(), 2u);
  a1.Release();
  a1.Release();  // twice is once
  EXPECT_EQ(budget.open(), 4u);
  EXPECT_EQ(budget.open_from("10.0.0.1"), 1u);
  { auto moved = std::move(a2); }  // a moved ticket gives back once, when it goes
  EXPECT_EQ(budget.open_from("10.0.0.1"), 0u);
  EXPECT_TRUE(budget.Admit("10.0.0.1"));
}

TEST(ListenerBudget, ManyThreadsNeverOvershoot) {
  ListenerBudget budget(ListenerBudgetOptions{64, 8});
  std::vector<std::thread> threads;
  std::atomic<int> over{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        auto ticket = budget.Admit("source" + std::to_string((t + i) % 12));
        if (budget.open() > 64) ++over;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(over.load(), 0);
  EXPECT_EQ(budget.open(), 0u);
}

}  // namespace
}  // namespace lovebank
