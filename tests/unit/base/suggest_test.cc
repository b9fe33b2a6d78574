#include "base/suggest.h"

#include <gtest/gtest.h>

namespace lovebank {
namespace {

TEST(Suggest, EditDistanceCountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("member", "member"), 0u);
  EXPECT_EQ(EditDistance("membr", "member"), 1u);    // a letter left out
  EXPECT_EQ(EditDistance("fulfill", "fulfil"), 1u);  // one too many
  EXPECT_EQ(EditDistance("servxce", "service"), 1u);
  EXPECT_EQ(EditDistance("sevrice", "service"), 1u);  // two neighbours swapped
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("ca", "abc"), 3u);  // optimal string alignment, not Damerau
}

TEST(Suggest, NearestNamesOnlyAClearWinner) {
  const std::vector<std::string> commands{
      "key",     "member", "role",   "node",   "service", "balance", "history", "transfer",
      "catalog", "redeem", "fulfil", "report", "reverse", "recover", "status",  "audit"};
  EXPECT_EQ(Nearest("membr", commands), "member");
  EXPECT_EQ(Nearest("sevrice", commands), "service");
  EXPECT_EQ(Nearest("blance", commands), "balance");
  EXPECT_EQ(Nearest("kye", commands), "key");
  EXPECT_EQ(Nearest("trans", commands), "transfer");  // the start of one name
  EXPECT_EQ(Nearest("re", commands), std::nullopt);   // the start of several
  EXPECT_EQ(Nearest("juggle", commands), std::nullopt);
  EXPECT_EQ(Nearest("", commands), std::nullopt);
  // Short words allow one edit: "rol" is role, "xyz" is nothing.
  EXPECT_EQ(Nearest("rol", commands), "role");
  EXPECT_EQ(Nearest("xyz", commands), std::nullopt);
  // Two names equally close: no guess.
  EXPECT_EQ(Nearest("reverse", {"reverse", "reverie"}), "reverse");
  EXPECT_EQ(Nearest("rever", {"revers", "reverb"}), std::nullopt);
}

}  // namespace
}  // namespace lovebank
