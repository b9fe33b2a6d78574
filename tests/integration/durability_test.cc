// Durability: a writer process is killed with SIGKILL at a random moment; on reopen
// every entry it acknowledged is in the store, and the state equals a rebuild.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <set>
#include <string>

#include "base/hex.h"
#include "ledger/store.h"
#include "tests/support/test_support.h"

namespace lovebank::ledger {
namespace {

struct Child {
  pid_t pid;
  FILE* out;
};

Child StartWriter(const std::string& dir, int round) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string round_arg = std::to_string(round);
    ::execl(LOVEBANK_STORE_WRITER, "store_writer", dir.c_str(), round_arg.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, ::fdopen(fds[0], "r")};
}

TEST(Durability, EveryAcknowledgedEntrySurvivesSigkill) {
  testing::TempDir dir;
  std::string db = dir.Sub("db");
  std::mt19937_64 rng(testing::TestSeed());
  std::set<std::string> acked;
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + ", seed " +
                 std::to_string(testing::TestSeed()));
    Child child = StartWriter(db, round);
    ASSERT_NE(child.out, nullptr);
    const std::size_t kill_after = std::uniform_int_distribution<std::size_t>(20, 600)(rng);
    std::size_t seen = 0;
    char line[128];
    bool killed = false;
    while (std::fgets(line, sizeof line, child.out) != nullptr) {
      std::string text(line);
      // The kill can cut the last line short; only a whole line is an acknowledgement.
      if (text.back() != '\n') break;
      ASSERT_EQ(text.rfind("ack ", 0), 0u) << text;
      acked.insert(text.substr(4, 64));
      if (++seen == kill_after && !killed) {
        ::kill(child.pid, SIGKILL);  // mid-batch, very likely inside a commit
        killed = true;
      }
    }
    std::fclose(child.out);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    ASSERT_TRUE(killed) << "the writer stopped before it was killed";
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);

    auto store = Store::Open({db});
    ASSERT_TRUE(store) << store.error().message;
    std::size_t missing = 0;
    for (const auto& hex : acked) {
      auto id = FixedFromHex<EntryId>(hex);
      ASSERT_TRUE(id);
      if ((*store)->state().Find(*id) == nullptr) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged entries";
    auto hash = (*store)->state().StateHash();
    auto rebuilt = (*store)->Rebuild();
    ASSERT_TRUE(rebuilt);
    EXPECT_EQ(*rebuilt, hash);
  }
  EXPECT_GT(acked.size(), 80u);
}

}  // namespace
}  // namespace lovebank::ledger
