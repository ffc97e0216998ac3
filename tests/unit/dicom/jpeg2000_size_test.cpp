#include "dicom/jpeg2000_size.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::dicom {
namespace {

using testing::MrJpeg2000Codestream;
using testing::PutBigEndian32;

std::string Box(std::string_view type, std::string_view contents) {
  std::string box(4, '\0');
  PutBigEndian32(box, 0, static_cast<std::uint32_t>(8 + contents.size()));
  return box.append(type).append(contents);
}

TEST(Jpeg2000SizeTest, ReadsTheSizMarkerOfACodestream) {
  const auto size = ReadJpeg2000Size(MrJpeg2000Codestream());
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(size->width, 64u);
  EXPECT_EQ(size->height, 64u);
  EXPECT_EQ(size->components, 1u);
  EXPECT_EQ(size->tiles, 1u);
}

TEST(Jpeg2000SizeTest, CountsTilesAndSubtractsTheImageOffset) {
  std::string codestream = MrJpeg2000Codestream();
  PutBigEndian32(codestream, 8, 110);  // Xsiz
  PutBigEndian32(codestream, 16, 10);  // XOsiz: 100 columns
  PutBigEndian32(codestream, 24, 16);  // XTsiz
  PutBigEndian32(codestream, 28, 16);  // YTsiz
  const auto size = ReadJpeg2000Size(codestream);
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(size->width, 100u);
  EXPECT_EQ(size->tiles, 7u * 4u);  // ceil(110 / 16) x ceil(64 / 16)
}

TEST(Jpeg2000SizeTest, FindsTheCodestreamOfAJp2File) {
  const std::string file = Box("jP  ", "\r\n\x87\n") + Box("ftyp", "jp2 ") +
                           Box("jp2h", Box("ihdr", std::string(14, '\0'))) +
                           Box("jp2c", MrJpeg2000Codestream());
  const auto size = ReadJpeg2000Size(file);
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(size->width, 64u);
  EXPECT_EQ(size->tiles, 1u);
}

TEST(Jpeg2000SizeTest, RefusesWhatHasNoConsistentSizMarker) {
  const std::string codestream = MrJpeg2000Codestream();
  EXPECT_EQ(ReadJpeg2000Size("").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(ReadJpeg2000Size(std::string_view(codestream).substr(0, 30)).error().code,
            ErrorCode::kCorrupt);
  EXPECT_FALSE(ReadJpeg2000Size(Box("jP  ", "\r\n\x87\n") + Box("jp2h", "")));
  std::string lying_box = Box("jp2c", codestream);
  PutBigEndian32(lying_box, 0, static_cast<std::uint32_t>(lying_box.size() + 1));
  EXPECT_FALSE(ReadJpeg2000Size(lying_box));

  std::string no_tile_width = codestream;
  PutBigEndian32(no_tile_width, 24, 0);
  EXPECT_EQ(ReadJpeg2000Size(no_tile_width).error().code, ErrorCode::kCorrupt);
  std::string offset_past_image = codestream;
  PutBigEndian32(offset_past_image, 20, 64);  // YOsiz = Ysiz
  EXPECT_EQ(ReadJpeg2000Size(offset_past_image).error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace tessera::dicom
