#include "archive/time_values.h"

#include <gtest/gtest.h>

namespace tessera::archive {
namespace {

TEST(TimeValuesTest, StoredValuesAreNormalisedLeniently) {
  EXPECT_EQ(StoredDate("20200131"), "20200131");
  EXPECT_EQ(StoredDate("2020.01.31 "), "20200131");
  EXPECT_EQ(StoredTime("10"), "100000.000000");
  EXPECT_EQ(StoredTime("1030"), "103000.000000");
  EXPECT_EQ(StoredTime("103015.5"), "103015.500000");
  EXPECT_EQ(StoredTime("10:30:15"), "103015.000000");
  EXPECT_EQ(StoredTime(""), "");
  EXPECT_EQ(StoredDateTime("2020"), "20200101000000.000000");
  EXPECT_EQ(StoredDateTime("20200315103000+0100"), "20200315103000.000000");
  EXPECT_EQ(StoredDateTime("20200315103000.25-0500"), "20200315103000.250000");
}

TEST(TimeValuesTest, BoundsFillMissingPartsTowardsTheirEnd) {
  EXPECT_EQ(*TimeBound("10", Bound::kLow), "100000.000000");
  EXPECT_EQ(*TimeBound("10", Bound::kHigh), "105959.999999");
  EXPECT_EQ(*TimeBound("1030", Bound::kHigh), "103059.999999");
  EXPECT_EQ(*TimeBound("103000.1", Bound::kHigh), "103000.199999");
  EXPECT_EQ(*DateTimeBound("2020", Bound::kLow), "20200101000000.000000");
  EXPECT_EQ(*DateTimeBound("2020", Bound::kHigh), "20201231235959.999999");
  EXPECT_EQ(*DateTimeBound("20200315", Bound::kHigh), "20200315235959.999999");
  EXPECT_EQ(*DateTimeBound("2020031510+0100", Bound::kLow), "20200315100000.000000");
  EXPECT_EQ(*DateBound("2020.03.15"), "20200315");
}

TEST(TimeValuesTest, MalformedBoundsAreInvalid) {
  for (const char* bad : {"", "1", "123", "10a0", "1030.5", "103000.", "103000.1234567"}) {
    auto bound = TimeBound(bad, Bound::kLow);
    ASSERT_FALSE(bound) << bad;
    EXPECT_EQ(bound.error().code, ErrorCode::kInvalidArgument);
  }
  for (const char* bad : {"", "2020-01-01", "202001", "2020013"}) {
    EXPECT_FALSE(DateBound(bad)) << bad;
  }
  for (const char* bad : {"20", "20200", "202003151", "20200315xx", "2020-03", "2020+1"}) {
    EXPECT_FALSE(DateTimeBound(bad, Bound::kLow)) << bad;
  }
}

}  // namespace
}  // namespace tessera::archive
