#include "dicom/iso2022_japanese.h"

#include <gtest/gtest.h>

namespace tessera::dicom {
namespace {

TEST(Iso2022JapaneseTest, RecognisesJapaneseCodeExtensions) {
  EXPECT_TRUE(UsesJapaneseIso2022("\\ISO 2022 IR 87"));
  EXPECT_TRUE(UsesJapaneseIso2022("ISO 2022 IR 13\\ISO 2022 IR 87"));
  EXPECT_TRUE(UsesJapaneseIso2022("ISO 2022 IR 6\\ISO 2022 IR 159"));
  EXPECT_FALSE(UsesJapaneseIso2022("ISO 2022 IR 13"));
  EXPECT_FALSE(UsesJapaneseIso2022("\\ISO 2022 IR 149"));
  EXPECT_FALSE(UsesJapaneseIso2022("ISO_IR 192"));
  EXPECT_FALSE(UsesJapaneseIso2022(""));
}

TEST(Iso2022JapaneseTest, DecodesJisX0208) {
  // PS3.5 Annex H example: Yamada^Tarou=山田^太郎=やまだ^たろう
  const auto name = DecodeIso2022Japanese(
      "Yamada^Tarou=\x1B$B;3ED\x1B(B^\x1B$BB@O:\x1B(B=\x1B$B$d$^$@\x1B(B^\x1B$B$?$m$&\x1B(B",
      false);
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "Yamada^Tarou=山田^太郎=やまだ^たろう");
}

TEST(Iso2022JapaneseTest, DecodesHalfWidthKatakanaInG1) {
  const auto name = DecodeIso2022Japanese("\xD4\xCF\xC0\xDE^\xC0\xDB\xB3", true);
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "ﾔﾏﾀﾞ^ﾀﾛｳ");
  // Without IR 13 as the first set the upper half is undefined.
  EXPECT_FALSE(DecodeIso2022Japanese("\xD4\xCF", false));
}

TEST(Iso2022JapaneseTest, DecodesJisX0212) {
  // Row 16 cell 1 of JIS X 0212 is 丂 (U+4E02).
  const auto text = DecodeIso2022Japanese("\x1B$(D\x30\x21\x1B(B", false);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "丂");
}

TEST(Iso2022JapaneseTest, LineEndsResetToAsciiButDelimitersDoNot) {
  // The writer forgot ESC ( B before the line break: it switches back anyway.
  const auto lines = DecodeIso2022Japanese("\x1B$B;3ED\r\nTarou", false);
  ASSERT_TRUE(lines);
  EXPECT_EQ(*lines, "山田\r\nTarou");
  // 0x5E ('^' in ASCII) is the first half of a JIS X 0208 character here.
  const auto kanji = DecodeIso2022Japanese("\x1B$B^F\x1B(B", false);
  ASSERT_TRUE(kanji);
  EXPECT_EQ(*kanji, "淨");  // JIS 0x5E46
}

TEST(Iso2022JapaneseTest, RejectsUnknownEscapesAndBrokenPairs) {
  EXPECT_FALSE(DecodeIso2022Japanese("\x1B$)C\x21\x21", false));  // Korean designation
  EXPECT_FALSE(DecodeIso2022Japanese("\x1B$B;", false));          // half a character
  EXPECT_FALSE(DecodeIso2022Japanese("\x1B", false));
}

}  // namespace
}  // namespace tessera::dicom
