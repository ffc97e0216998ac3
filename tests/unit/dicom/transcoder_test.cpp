#include "dicom/transcoder.h"

#include <gtest/gtest.h>

#include "dicom/codecs.h"
#include "dicom/instance_reader.h"
#include "test_support.h"

namespace tessera::dicom {
namespace {

using testing::DcmtkDecodedPixels;
using testing::PixelsOfPart10Bytes;
using testing::ReadBytes;
using testing::TempDir;
using testing::TestFile;
using testing::WriteBytes;
namespace ts = transfer_syntax;

class TranscoderTest : public ::testing::Test {
 protected:
  CodecRegistry codecs_;
  TempDir dir_;
};

TEST_F(TranscoderTest, CanTranscodeKnowsOurCodecs) {
  EXPECT_TRUE(CanTranscode(ts::kJpegBaseline, ts::kExplicitVrLittleEndian));
  EXPECT_TRUE(CanTranscode(ts::kRleLossless, ts::kImplicitVrLittleEndian));
  EXPECT_TRUE(CanTranscode(ts::kExplicitVrBigEndian, ts::kJpegLsLossless));
  EXPECT_TRUE(CanTranscode(ts::kExplicitVrLittleEndian, ts::kRleLossless));
  EXPECT_TRUE(CanTranscode(ts::kJpeg2000, ts::kJpeg2000));  // nothing to do
  EXPECT_TRUE(CanTranscode(ts::kJpeg2000, ts::kExplicitVrLittleEndian));
  EXPECT_TRUE(CanTranscode(ts::kJpeg2000Lossless, ts::kRleLossless));
  EXPECT_FALSE(CanTranscode("1.2.840.10008.1.2.4.102", ts::kExplicitVrLittleEndian));
  EXPECT_FALSE(CanTranscode(ts::kExplicitVrLittleEndian, ts::kJpeg2000Lossless));
  EXPECT_FALSE(CanTranscode(ts::kExplicitVrLittleEndian, "1.2.3.4"));
  EXPECT_FALSE(CanTranscode("1.2.3.4", "1.2.3.4"));
}

struct DecompressCase {
  std::string_view file;
  std::string_view lossless_reference;  // an uncompressed copy of the same pixels, or ""
};

// Decompression: the result is Explicit VR Little Endian whose pixels equal what
// DCMTK decodes from the source, and for lossless sources the uncompressed original.
TEST_F(TranscoderTest, DecompressesToExplicitLittleEndian) {
  const DecompressCase cases[] = {
      {"JPGExtended.dcm", ""},
      {"SC_rgb_jpeg_dcmtk.dcm", ""},
      {"SC_rgb_jpeg_gdcm.dcm", ""},  // JPEG lossless, first-order prediction
      {"MR_small_RLE.dcm", "MR_small.dcm"},
      {"MR_small_jpeg_ls_lossless.dcm", "MR_small.dcm"},
      {"MR_small_bigendian.dcm", "MR_small.dcm"},
      {"MR_small_implicit.dcm", "MR_small.dcm"},
      {"MR_small_jp2klossless.dcm", "MR_small.dcm"},
      {"JPEG2000.dcm", ""},
      {"rtdose_rle.dcm", "rtdose.dcm"},
      // DCMTK swaps big-endian OW as 16-bit words, also for these 32-bit pixels,
      // while pydicom wrote them as 32-bit big-endian values: no reference.
      {"rtdose_expb.dcm", ""},
      {"SC_rgb_rle_2frame.dcm", ""},
      {"image_dfl.dcm", ""},
  };
  for (const DecompressCase& c : cases) {
    SCOPED_TRACE(c.file);
    const auto bytes = TranscodePart10(TestFile(c.file), ts::kExplicitVrLittleEndian);
    ASSERT_TRUE(bytes) << bytes.error().message;
    ASSERT_GT(bytes->size(), 132u);
    EXPECT_EQ(bytes->substr(128, 4), "DICM");
    std::string syntax;
    const std::string pixels = PixelsOfPart10Bytes(*bytes, dir_, &syntax);
    EXPECT_EQ(syntax, ts::kExplicitVrLittleEndian);
    ASSERT_FALSE(pixels.empty());
    EXPECT_EQ(pixels, DcmtkDecodedPixels(TestFile(c.file)));
    if (!c.lossless_reference.empty()) {
      EXPECT_EQ(pixels, DcmtkDecodedPixels(TestFile(c.lossless_reference)));
    }
  }
}

TEST_F(TranscoderTest, DecodedJpeg2000ColourBecomesRgb) {
  const auto bytes = TranscodePart10(TestFile("GDCMJ2K_TextGBR.dcm"), ts::kExplicitVrLittleEndian);
  ASSERT_TRUE(bytes) << bytes.error().message;
  WriteBytes(dir_ / "rgb.dcm", *bytes);
  const auto info = ReadInstance(dir_ / "rgb.dcm", {});
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->metadata["00280004"]["Value"][0], "RGB");  // was YBR_RCT
  EXPECT_EQ(info->metadata["00280006"]["Value"][0], 0);
}

TEST_F(TranscoderTest, DecodedYbrJpegSaysWhatItHolds) {
  // 4:2:2 comes out at full resolution: YBR_FULL, as its pixels are.
  for (const auto& [file, photometric] : {std::pair{"SC_rgb_jpeg_dcmtk.dcm", "YBR_FULL"},
                                          {"SC_rgb_dcmtk_+eb+cy+np.dcm", "YBR_FULL"}}) {
    SCOPED_TRACE(file);
    const auto bytes = TranscodePart10(TestFile(file), ts::kExplicitVrLittleEndian);
    ASSERT_TRUE(bytes) << bytes.error().message;
    WriteBytes(dir_ / "ybr.dcm", *bytes);
    const auto info = ReadInstance(dir_ / "ybr.dcm", {});
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->metadata["00280004"]["Value"][0], photometric);
  }
}

TEST_F(TranscoderTest, KeepsTheInstanceIdentity) {
  const auto bytes = TranscodePart10(TestFile("MR_small_RLE.dcm"), ts::kImplicitVrLittleEndian);
  ASSERT_TRUE(bytes) << bytes.error().message;
  WriteBytes(dir_ / "out.dcm", *bytes);
  const auto before = ReadInstance(TestFile("MR_small_RLE.dcm"), {});
  const auto after = ReadInstance(dir_ / "out.dcm", {});
  ASSERT_TRUE(before);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->transfer_syntax_uid, ts::kImplicitVrLittleEndian);
  EXPECT_EQ(after->sop_instance_uid, before->sop_instance_uid);
  EXPECT_EQ(after->study_uid, before->study_uid);
  EXPECT_EQ(after->metadata["00100010"], before->metadata["00100010"]);
}

// Encoding: lossless targets decode back to exactly the original pixels.
TEST_F(TranscoderTest, EncodesLosslessSyntaxes) {
  const std::string original = DcmtkDecodedPixels(TestFile("MR_small.dcm"));
  ASSERT_FALSE(original.empty());
  for (std::string_view target :
       {ts::kRleLossless, ts::kJpegLsLossless, ts::kJpegLosslessSv1, ts::kJpegLossless,
        ts::kDeflatedExplicitVrLittleEndian, ts::kExplicitVrBigEndian}) {
    SCOPED_TRACE(target);
    const auto bytes = TranscodePart10(TestFile("MR_small.dcm"), target);
    ASSERT_TRUE(bytes) << bytes.error().message;
    std::string syntax;
    EXPECT_EQ(PixelsOfPart10Bytes(*bytes, dir_, &syntax), original);
    EXPECT_EQ(syntax, target);
  }
}

TEST_F(TranscoderTest, EncodesLossyJpegFor8BitImages) {
  const auto bytes = TranscodePart10(TestFile("SC_rgb_rle.dcm"), ts::kJpegBaseline);
  ASSERT_TRUE(bytes) << bytes.error().message;
  std::string syntax;
  const std::string pixels = PixelsOfPart10Bytes(*bytes, dir_, &syntax);
  EXPECT_EQ(syntax, ts::kJpegBaseline);
  EXPECT_EQ(pixels.size(), DcmtkDecodedPixels(TestFile("SC_rgb_rle.dcm")).size());
}

TEST_F(TranscoderTest, ReturnsTheFileWhenTheSyntaxAlreadyMatches) {
  const auto bytes = TranscodePart10(TestFile("CT_small.dcm"), ts::kExplicitVrLittleEndian);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, ReadBytes(TestFile("CT_small.dcm")));
}

TEST_F(TranscoderTest, RefusesWhatItCannotDo) {
  const auto multicomponent = testing::RelabelledCopy(
      TestFile("JPEG2000.dcm"), "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.93", dir_);
  auto bytes = TranscodePart10(multicomponent, ts::kExplicitVrLittleEndian);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kUnsupported);

  bytes = TranscodePart10(TestFile("CT_small.dcm"), ts::kJpeg2000);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kUnsupported);

  bytes = TranscodePart10(TestFile("CT_small.dcm"), "1.2.3");
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kUnsupported);

  // JPEG-LS stops at 16 bits; rtdose has 32.
  bytes = TranscodePart10(TestFile("rtdose.dcm"), ts::kJpegLsLossless);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kUnsupported);

  bytes = TranscodePart10(TestFile("no_meta.dcm"), ts::kExplicitVrLittleEndian);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kInvalidArgument);
}

// Lossy JPEG would rescale deeper pixels to fit (32-bit RT Dose to 0..223 under an
// unchanged Dose Grid Scaling): refused, from the header alone and when converting.
TEST_F(TranscoderTest, RefusesPixelsDeeperThanTheTargetEncodes) {
  struct Case {
    std::string_view file;  // Bits Stored in the comment
    std::string_view target;
  };
  for (const Case& c : {Case{"rtdose.dcm", ts::kJpegBaseline},     // 32
                        Case{"MR_small.dcm", ts::kJpegBaseline},   // 16
                        Case{"MR_small.dcm", ts::kJpegExtended},   // 16
                        Case{"rtdose.dcm", ts::kJpegLossless}}) {  // 32
    SCOPED_TRACE(std::string(c.file) + " to " + std::string(c.target));
    const auto checked = CheckTranscodable(TestFile(c.file), c.target);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code, ErrorCode::kUnsupported);
    EXPECT_NE(checked.error().message.find("-bit pixel data does not fit"), std::string::npos);
    const auto bytes = TranscodePart10(TestFile(c.file), c.target);
    ASSERT_FALSE(bytes);
    EXPECT_EQ(bytes.error().message, checked.error().message);
  }
  EXPECT_TRUE(CheckTranscodable(TestFile("SC_rgb_rle.dcm"), ts::kJpegBaseline));   // 8
  EXPECT_TRUE(CheckTranscodable(TestFile("JPGExtended.dcm"), ts::kJpegExtended));  // same
  EXPECT_TRUE(CheckTranscodable(TestFile("MR_small.dcm"), ts::kJpegLsLossless));   // 16
  EXPECT_TRUE(CheckTranscodable(TestFile("rtplan.dcm"), ts::kJpegBaseline));       // no pixels
  const auto no_codec = CheckTranscodable(TestFile("CT_small.dcm"), ts::kJpeg2000);
  ASSERT_FALSE(no_codec);
  EXPECT_EQ(no_codec.error().code, ErrorCode::kUnsupported);
}

TEST_F(TranscoderTest, TranscodesInstancesWithoutPixelData) {
  const auto bytes = TranscodePart10(TestFile("rtplan.dcm"), ts::kExplicitVrLittleEndian);
  ASSERT_TRUE(bytes) << bytes.error().message;
  WriteBytes(dir_ / "plan.dcm", *bytes);
  const auto info = ReadInstance(dir_ / "plan.dcm", {});
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->transfer_syntax_uid, ts::kExplicitVrLittleEndian);
  EXPECT_EQ(info->metadata["300A00B0"],
            ReadInstance(TestFile("rtplan.dcm"), {})->metadata["300A00B0"]);
}

}  // namespace
}  // namespace tessera::dicom
