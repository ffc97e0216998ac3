#include "dicom/jpeg2000.h"

#include <gtest/gtest.h>

#include "dicom/frames.h"
#include "test_support.h"

namespace tessera::dicom {
namespace {

using testing::DcmtkDecodedPixels;
using testing::TestFile;

// The stored codestream of MR_small_jp2klossless.dcm: 64x64, 16-bit, lossless.
std::string MrCodestream() {
  const std::uint32_t first = 1;
  const auto frames =
      ReadFrames(TestFile("MR_small_jp2klossless.dcm"), {&first, 1}, FrameEncoding::kAsStored);
  EXPECT_TRUE(frames);
  return frames ? (*frames)[0].bytes : std::string();
}

TEST(Jpeg2000Test, DecodesLosslessCodestreamToTheOriginalPixels) {
  const std::string codestream = MrCodestream();
  std::string pixels(64 * 64 * 2, '\0');
  const Status decoded = DecodeJpeg2000(codestream, {64, 64, 1, 16}, pixels);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(pixels, DcmtkDecodedPixels(TestFile("MR_small.dcm")));
}

TEST(Jpeg2000Test, ChecksTheGeometry) {
  const std::string codestream = MrCodestream();
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

TEST(Jpeg2000Test, RejectsDamagedBitstreams) {
  std::string pixels(64 * 64 * 2, '\0');
  EXPECT_EQ(DecodeJpeg2000("not a codestream", {64, 64, 1, 16}, pixels).error().code,
            ErrorCode::kCorrupt);
  const std::string codestream = MrCodestream();
  const Status truncated =
      DecodeJpeg2000(std::string_view(codestream).substr(0, 40), {64, 64, 1, 16}, pixels);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace tessera::dicom
