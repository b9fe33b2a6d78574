#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace lovebank {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return MakeError(ErrorCode::kInvalidArgument, "odd");
  return n / 2;
}

TEST(Result, HoldsValueOrError) {
  auto ok = Half(8);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 4);
  auto bad = Half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "odd");
}

TEST(Result, MovesOnlyValuesOut) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  std::unique_ptr<int> taken = std::move(r).value();
  EXPECT_EQ(*taken, 7);
}

TEST(Result, StatusIsOkOrError) {
  Status ok = OkStatus();
  EXPECT_TRUE(ok.has_value());
  Status failed = MakeError(ErrorCode::kDataLoss, "gone");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kDataLoss);
}

TEST(Result, ErrorCodesHaveStableNames) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kResourceExhausted), "resource_exhausted");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "not_found");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnauthenticated), "unauthenticated");
}

}  // namespace
}  // namespace lovebank
