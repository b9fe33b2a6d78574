// A child process for the durability test: appends batches of entries to a store
// with synced commits and prints "ack <id>" for each entry only after its batch was
// committed. It writes until killed (or until it has written `limit` batches).
//
//   store_writer DIR ROUND [LIMIT]
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "base/hex.h"
#include "ledger/store.h"
#include "tests/support/test_support.h"

using namespace lovebank;
using namespace lovebank::ledger;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: store_writer DIR ROUND [LIMIT]\n");
    return 2;
  }
  crypto::InitCrypto();
  std::string dir = argv[1];
  int round = std::atoi(argv[2]);
  long limit = argc > 3 ? std::atol(argv[3]) : 1'000'000;
  lovebank::testing::TestCommunity c(lovebank::testing::TestPolicy(), /*seed=*/7);

  auto store = Store::Open({dir});
  if (!store && store.error().code == ErrorCode::kNotFound) store = Store::Create({dir}, c.genesis());
  if (!store) {
    std::fprintf(stderr, "store_writer: %s\n", store.error().message.c_str());
    return 1;
  }
  std::mt19937_64 rng(static_cast<std::uint64_t>(round) * 7919 + 1);
  for (long b = 0; b < limit; ++b) {
    std::vector<VerifiedEntry> batch;
    int size = std::uniform_int_distribution<int>(1, 64)(rng);
    for (int i = 0; i < size; ++i) {
      // Fresh names each round, so chains start at seq 1 whatever was stored before.
      std::string who = "r" + std::to_string(round) + "v" + std::to_string(rng() % 20);
      if (rng() % 2) {
        batch.push_back(c.Sign(who, ServiceClaim{"Helped", "care", 1'767'225'600'000 + rng() % 1000 * 3'600'000, 30, {}}));
      } else {
        batch.push_back(c.Sign(who, Transfer{c.key("admin"), 1 + rng() % 9, "durable"}));
      }
    }
    std::vector<EntryId> ids;
    for (const auto& e : batch) ids.push_back(e.id);
    auto results = (*store)->Ingest(std::move(batch));
    if (!results) {
      std::fprintf(stderr, "store_writer: %s\n", results.error().message.c_str());
      return 1;
    }
    for (const auto& id : ids) std::printf("ack %s\n", ToHex(id).c_str());
    std::fflush(stdout);
  }
  return 0;
}
