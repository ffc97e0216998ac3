#include "base/strings.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(StringsTest, SplitKeepsEmptyParts) {
  const auto parts = Split("a,,b,", ',');
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0], "a");
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[2], "b");
  EXPECT_EQ(parts[3], "");
}

TEST(StringsTest, TrimRemovesSurroundingWhitespace) {
  EXPECT_EQ(Trim("  x y \r\n"), "x y");
  EXPECT_EQ(Trim("   "), "");
}

TEST(StringsTest, ParseIntRejectsTrailingGarbage) {
  EXPECT_EQ(ParseInt("42"), 42);
  EXPECT_EQ(ParseInt("-3"), -3);
  EXPECT_FALSE(ParseInt("4x"));
  EXPECT_FALSE(ParseInt(""));
  EXPECT_FALSE(ParseUint("-1"));
  EXPECT_FALSE(ParseUint("99999999999999999999999"));
}

TEST(StringsTest, PercentDecodeHandlesUtf8AndRejectsBadEscapes) {
  EXPECT_EQ(PercentDecode("Doe%5EJohn"), "Doe^John");
  EXPECT_EQ(PercentDecode("M%C3%BCller*"), "M\xC3\xBCller*");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_FALSE(PercentDecode("%4"));
  EXPECT_FALSE(PercentDecode("%"));
  EXPECT_FALSE(PercentDecode("%zz"));
}

TEST(StringsTest, PercentEncodeRoundTrips) {
  const std::string raw = "a b/c?d=e&f\xC3\xBC";
  EXPECT_EQ(PercentDecode(PercentEncode(raw)), raw);
  EXPECT_EQ(PercentEncode("1.2.840"), "1.2.840");
}

TEST(StringsTest, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8("M\xC3\xBCller"));
  EXPECT_FALSE(IsValidUtf8("M\xFCller"));         // Latin-1 byte
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));           // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));       // surrogate
}

TEST(StringsTest, LogWordKeepsALogLineOneLine) {
  EXPECT_EQ(LogWord(""), "-");
  EXPECT_EQ(LogWord("anna"), "anna");
  EXPECT_EQ(LogWord("Jos\xC3\xA9"), "Jos\xC3\xA9");
  EXPECT_EQ(LogWord("a b\n\"c\"%"), "a%20b%0A%22c%22%25");
}

TEST(StringsTest, FoldCaseHandlesLatinGreekAndCyrillic) {
  EXPECT_EQ(FoldCaseUtf8("DOE^John"), "doe^john");
  EXPECT_EQ(FoldCaseUtf8("M\xC3\x9CLLER"), "m\xC3\xBCller");            // Ü -> ü
  EXPECT_EQ(FoldCaseUtf8("L'HA\xC5\xB8"), "l'ha\xC3\xBF");              // Ÿ -> ÿ (Latin-1)
  EXPECT_EQ(FoldCaseUtf8("\xC5\xB9"), "\xC5\xBA");                      // Ź -> ź
  EXPECT_EQ(FoldCaseUtf8("\xCE\x94\xCE\xB9\xCE\xBF"), "\xCE\xB4\xCE\xB9\xCE\xBF");  // Διο
  EXPECT_EQ(FoldCaseUtf8("\xD0\x98\xD0\xB2"), "\xD0\xB8\xD0\xB2");      // Ив
  EXPECT_EQ(FoldCaseUtf8("ΆΈΉΊΌΎΏ"), "άέήίόύώ");
  EXPECT_EQ(FoldCaseUtf8("ΣΟΦΟΣ"), FoldCaseUtf8("σοφος"));  // final sigma
  EXPECT_EQ(FoldCaseUtf8("\xC5\x81\xC3\xB3" "d\xC5\xBA"), "\xC5\x82\xC3\xB3" "d\xC5\xBA");  // Łódź
  EXPECT_EQ(FoldCaseUtf8("\xE5\xB1\xB1\xE7\x94\xB0"), "\xE5\xB1\xB1\xE7\x94\xB0");  // 山田 unchanged
}

TEST(StringsTest, LeadingCharactersCountAsSqliteSubstrDoes) {
  EXPECT_EQ(LeadingCharacters("smith", 3), "smi");
  EXPECT_EQ(LeadingCharacters("m\xC3\xBCller", 3), "m\xC3\xBCl");  // ü is one character
  EXPECT_EQ(LeadingCharacters("\xE5\xB1\xB1\xE7\x94\xB0x", 2), "\xE5\xB1\xB1\xE7\x94\xB0");  // 山田
  const std::string stray = std::string("a\x80\x80") + "b";  // lone continuation bytes
  EXPECT_EQ(LeadingCharacters(stray, 3), "a\x80\x80");
  EXPECT_EQ(LeadingCharacters("ab", 3), std::nullopt);
  EXPECT_EQ(LeadingCharacters("a\xC3\xBC", 3), std::nullopt);
  EXPECT_EQ(LeadingCharacters("", 0), "");
}

TEST(StringsTest, HumanBytesPicksTheUnitPeopleRead) {
  EXPECT_EQ(HumanBytes(0), "0 bytes");
  EXPECT_EQ(HumanBytes(1023), "1023 bytes");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(312ull << 20), "312 MiB");
  EXPECT_EQ(HumanBytes((5ull << 30) / 4), "1.2 GiB");
  EXPECT_EQ(HumanBytes(~0ull), "16384 PiB");
}

}  // namespace
}  // namespace tessera
