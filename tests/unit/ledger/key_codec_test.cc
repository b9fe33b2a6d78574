#include <gtest/gtest.h>

#include "ledger/internal/schema.h"
#include "tests/support/test_support.h"

namespace lovebank::ledger::internal {
namespace {

TEST(KeyCodec, EntryKeyRoundTrips) {
  testing::TestCommunity c;
  EntryId id = c.genesis().id;
  Bytes key = EntryKey(c.key("vol"), 513, id);
  auto parts = ParseEntryKey(key);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->author, c.key("vol"));
  EXPECT_EQ(parts->seq, 513u);
  EXPECT_EQ(parts->id, id);
  EXPECT_FALSE(ParseEntryKey(ByteView(key).substr(1)));
}

TEST(KeyCodec, EntryKeysSortByAuthorThenSeq) {
  testing::TestCommunity c;
  EntryId id = c.genesis().id;
  const PublicKey& a = c.key("a");
  EXPECT_LT(EntryKey(a, 2, id), EntryKey(a, 10, id));
  EXPECT_LT(EntryKey(a, 255, id), EntryKey(a, 256, id));
  const PublicKey& b = c.key("b");
  const auto& [low, high] = a < b ? std::pair(a, b) : std::pair(b, a);
  EXPECT_LT(EntryKey(low, 1'000'000, id), EntryKey(high, 1, id));
}

TEST(KeyCodec, RowKeysArePrefixedByKind) {
  testing::TestCommunity c;
  EXPECT_EQ(AccountRowKey(c.key("a"))[0], kAccountRowPrefix);
  EXPECT_EQ(ItemRowKey(c.genesis().id)[0], kItemRowPrefix);
  EXPECT_EQ(AccountRowKey(c.key("a")).size(), 33u);
}

// A gift's row gains one byte only when it is withdrawn, so the rows of stores written
// before withdrawals existed read the same.
TEST(KeyCodec, ItemRowsCarryWithdrawalOnlyWhenWithdrawn) {
  testing::TestCommunity c;
  ItemView item;
  item.id = c.genesis().id;
  item.station = c.key("station");
  item.name = "大米";
  item.price = 12;
  item.stock = 3;
  item.fulfilled = 1;
  Bytes listed = EncodeItemRow(item);
  EXPECT_EQ(listed.size(), 32u + 4 + item.name.size() + 8 * 3);
  auto back = DecodeItemRow(item.id, listed);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->withdrawn);
  item.withdrawn = true;
  Bytes withdrawn = EncodeItemRow(item);
  EXPECT_EQ(withdrawn, listed + "\x01");
  back = DecodeItemRow(item.id, withdrawn);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->withdrawn);
  EXPECT_EQ(back->stock, 3u);
  EXPECT_FALSE(DecodeItemRow(item.id, withdrawn + "\x01")) << "nothing after the flag";
}

TEST(KeyCodec, AccountRowsDifferWhenAnyFieldDiffers) {
  AccountView a;
  a.keys = {a.id};
  Bytes base = EncodeAccountRow(a);
  AccountView b = a;
  b.balance = 1;
  EXPECT_NE(EncodeAccountRow(b), base);
  b = a;
  b.profile = Profile{"Li", "", "", {}};
  EXPECT_NE(EncodeAccountRow(b), base);
  b = a;
  b.roles = {Role::kStation};
  EXPECT_NE(EncodeAccountRow(b), base);
}

}  // namespace
}  // namespace lovebank::ledger::internal
