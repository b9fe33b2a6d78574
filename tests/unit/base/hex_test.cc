#include "base/hex.h"

#include <gtest/gtest.h>

namespace lovebank {
namespace {

struct TestTag;
using Four = FixedBytes<8, TestTag>;

TEST(Hex, RoundTrips) {
  Bytes raw("\x00\x01\xab\xff", 4);
  EXPECT_EQ(ToHex(raw), "0001abff");
  EXPECT_EQ(FromHex("0001ABff"), raw);
}

TEST(Hex, RefusesBadText) {
  EXPECT_FALSE(FromHex("abc"));   // odd length
  EXPECT_FALSE(FromHex("zz00"));  // not hex
}

TEST(FixedBytes, ParsesOnlyExactSize) {
  EXPECT_TRUE(FixedFromHex<Four>("0102030405060708"));
  EXPECT_FALSE(FixedFromHex<Four>("01020304050607"));
  EXPECT_FALSE(Four::FromView("short"));
}

TEST(FixedBytes, OrdersLikeBigEndianBytes) {
  auto a = *FixedFromHex<Four>("0000000000000001");
  auto b = *FixedFromHex<Four>("0100000000000000");
  EXPECT_LT(a, b);
  EXPECT_FALSE(a.IsZero());
  EXPECT_TRUE(Four().IsZero());
}

TEST(BigEndian, KeepsNumericOrderInBytes) {
  Bytes small, large;
  AppendBigEndian64(small, 255);
  AppendBigEndian64(large, 256);
  EXPECT_LT(small, large);
  EXPECT_EQ(ReadBigEndian64(large), 256u);
  Bytes four;
  AppendBigEndian32(four, 0xdeadbeef);
  EXPECT_EQ(ReadBigEndian32(four), 0xdeadbeefu);
}

TEST(LittleEndian, ReadsWhatTheWritersWrote) {
  Bytes four, eight;
  AppendLittleEndian32(four, 0xdeadbeef);
  AppendLittleEndian64(eight, 0x0102030405060708ULL);
  EXPECT_EQ(four, Bytes("\xef\xbe\xad\xde"));
  EXPECT_EQ(ReadLittleEndian(four, 4), 0xdeadbeefu);
  EXPECT_EQ(ReadLittleEndian(eight, 8), 0x0102030405060708ULL);
  EXPECT_EQ(ReadLittleEndian(eight, 2), 0x0708u);  // only the first `width` bytes
}

}  // namespace
}  // namespace lovebank
