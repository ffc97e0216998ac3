#include "dicom/jpeg2000.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::dicom {
namespace {

using testing::DcmtkDecodedPixels;
using testing::MrJpeg2000Codestream;
using testing::TestFile;

TEST(Jpeg2000Test, DecodesLosslessCodestreamToTheOriginalPixels) {
  const std::string codestream = MrJpeg2000Codestream();
  std::string pixels(64 * 64 * 2, '\0');
  const Status decoded = DecodeJpeg2000(codestream, {64, 64, 1, 16}, pixels);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(pixels, DcmtkDecodedPixels(TestFile("MR_small.dcm")));
}

TEST(Jpeg2000Test, ChecksTheGeometry) {
  const std::string codestream = MrJpeg2000Codestream();
  std::string pixels(64 * 32 * 2, '\0');
  Status decoded = DecodeJpeg2000(codestream, {32, 64, 1, 16}, pixels);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kCorrupt);

  std::string colour(64 * 64 * 3 * 2, '\0');
  decoded = DecodeJpeg2000(codestream, {64, 64, 3, 16}, colour);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kCorrupt);

  decoded = DecodeJpeg2000(codestream, {64, 64, 1, 16}, pixels);  // buffer too small
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);

  std::string twelve(64 * 64 * 2, '\0');
  decoded = DecodeJpeg2000(codestream, {64, 64, 1, 12}, twelve);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kUnsupported);
}

// Offsets of the SIZ marker's fields in a bare codestream (SOC, then SIZ).
constexpr std::size_t kYsiz = 12;
constexpr std::size_t kXTsiz = 24;
constexpr std::size_t kYTsiz = 28;

void PutSizField(std::string& codestream, std::size_t at, std::uint32_t value) {
  ASSERT_EQ(codestream.substr(0, 4), std::string("\xFF\x4F\xFF\x51", 4));
  testing::PutBigEndian32(codestream, at, value);
}

TEST(Jpeg2000Test, RefusesAClaimedSizeBeforeAllocatingIt) {
  // OpenJPEG allocates the image the SIZ marker declares: a few bytes of codestream
  // could claim gigabytes for any reader of a stored frame (found by fuzzing).
  // 64 x 1,048,576 pixels in 16,384 tiles: 256 MB of decoded samples.
  std::string huge = MrJpeg2000Codestream();
  PutSizField(huge, kYsiz, 1u << 20);
  std::string pixels(64 * 64 * 2, '\0');
  const long peak_before = testing::PeakRssKb();
  const Status decoded = DecodeJpeg2000(huge, {64, 64, 1, 16}, pixels);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kCorrupt);
  EXPECT_LT(testing::PeakRssKb() - peak_before, 64 * 1024) << "the claimed image was allocated";
}

TEST(Jpeg2000Test, RefusesMoreThan4096TilesBeforeReadingThem) {
  std::string codestream = MrJpeg2000Codestream();
  PutSizField(codestream, kXTsiz, 1);
  PutSizField(codestream, kYTsiz, 1);
  std::string pixels(64 * 64 * 2, '\0');
  const Status at_the_cap = DecodeJpeg2000(codestream, {64, 64, 1, 16}, pixels);  // 4,096 tiles
  // OpenJPEG decodes what it finds of the tiles: whatever it says, not the cap.
  EXPECT_TRUE(at_the_cap || at_the_cap.error().code != ErrorCode::kUnsupported);

  PutSizField(codestream, kYsiz, 65);  // 4,160 tiles
  std::string taller(64 * 65 * 2, '\0');
  const Status over = DecodeJpeg2000(codestream, {65, 64, 1, 16}, taller);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kUnsupported);
}

TEST(Jpeg2000Test, RejectsDamagedBitstreams) {
  std::string pixels(64 * 64 * 2, '\0');
  EXPECT_EQ(DecodeJpeg2000("not a codestream", {64, 64, 1, 16}, pixels).error().code,
            ErrorCode::kCorrupt);
  const std::string codestream = MrJpeg2000Codestream();
  const Status truncated =
      DecodeJpeg2000(std::string_view(codestream).substr(0, 40), {64, 64, 1, 16}, pixels);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace tessera::dicom
