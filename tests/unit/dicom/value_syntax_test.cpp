#include "dicom/value_syntax.h"

#include <gtest/gtest.h>

namespace tessera::dicom {
namespace {

TEST(ValueSyntaxTest, DatesTimesAndDateTimes) {
  EXPECT_TRUE(IsValidDateTimeValue("DA", "20240229"));
  EXPECT_FALSE(IsValidDateTimeValue("DA", "20241301"));
  EXPECT_FALSE(IsValidDateTimeValue("DA", "20230229"));  // not a leap year
  EXPECT_FALSE(IsValidDateTimeValue("DA", "21000229"));  // centuries are not, unless by 400
  EXPECT_TRUE(IsValidDateTimeValue("DA", "20000229"));
  EXPECT_FALSE(IsValidDateTimeValue("DA", "20240431"));
  EXPECT_FALSE(IsValidDateTimeValue("DT", "20240230"));
  EXPECT_FALSE(IsValidDateTimeValue("DA", "2024-01-01"));
  EXPECT_TRUE(IsValidDateTimeValue("TM", "07"));
  EXPECT_TRUE(IsValidDateTimeValue("TM", "072731.123456"));
  EXPECT_TRUE(IsValidDateTimeValue("TM", "07:27:31"));
  EXPECT_FALSE(IsValidDateTimeValue("TM", "2460"));
  EXPECT_FALSE(IsValidDateTimeValue("TM", "0727.5"));
  EXPECT_TRUE(IsValidDateTimeValue("DT", "2024"));
  EXPECT_TRUE(IsValidDateTimeValue("DT", "20240102030405.5-0500"));
  EXPECT_FALSE(IsValidDateTimeValue("DT", "202401020"));
  EXPECT_FALSE(IsValidDateTimeValue("CS", "20240101"));
}

using Range = std::pair<std::string, std::string>;

TEST(ValueSyntaxTest, SplitsRangesIncludingUtcOffsets) {
  EXPECT_EQ(*SplitRange("DA", "20240101-20241231"), Range("20240101", "20241231"));
  EXPECT_EQ(*SplitRange("DA", "-20241231"), Range("", "20241231"));
  EXPECT_EQ(*SplitRange("DA", "20240101-"), Range("20240101", ""));
  EXPECT_EQ(*SplitRange("DT", "20240101-0500-20240102"), Range("20240101-0500", "20240102"));
  EXPECT_FALSE(SplitRange("DA", "-"));
  EXPECT_FALSE(SplitRange("DA", "2024-01-01"));
  EXPECT_EQ(SplitRange("TM", "x-y").error().code, ErrorCode::kInvalidArgument);
}

TEST(ValueSyntaxTest, NumbersAreDecimal) {
  for (std::string_view ok : {"1", "-1", "+2.5", "1e3", ".5", "-0.25E-2"}) {
    EXPECT_TRUE(IsValidNumber(ok)) << ok;
  }
  for (std::string_view bad : {"", " 1", "1 ", "0x1A", "1A", "nan", "inf", "++1", "1e400", "-"}) {
    EXPECT_FALSE(IsValidNumber(bad)) << bad;
  }
}

}  // namespace
}  // namespace tessera::dicom
