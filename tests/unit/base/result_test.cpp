#include "base/result.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace tessera {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return Fail(ErrorCode::kInvalidArgument, "odd");
  return n / 2;
}

TEST(ResultTest, HoldsValueWhenSuccessful) {
  auto r = Half(8);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 4);
}

TEST(ResultTest, HoldsErrorWhenFailed) {
  auto r = Half(3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "odd");
  EXPECT_EQ(r.value_or(-1), -1);
}

TEST(ResultTest, CarriesMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r);
  auto owned = std::move(r).value();
  EXPECT_EQ(*owned, 7);
}

TEST(ResultTest, StatusIsOkByDefaultAndFailsWithError) {
  Status ok = Ok();
  EXPECT_TRUE(ok);
  Status failed = Fail(ErrorCode::kNotFound, "gone");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeName(failed.error().code), "not_found");
}

}  // namespace
}  // namespace tessera
