#include "dicom/decoder_preflight.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmjpeg/djrploss.h>
#include <gtest/gtest.h>

#include "dicom/codecs.h"
#include "dicom/dicom_file.h"
#include "dicom/frames.h"
#include "dicom/renderer.h"
#include "dicom/transcoder.h"
#include "test_support.h"

namespace tessera::dicom {
namespace {

using testing::PeakRssKb;
using testing::ReadBytes;
using testing::TempDir;
using testing::TestFile;
using testing::WriteBytes;

// A copy of MR_small_RLE.dcm whose first fragment's RLE header puts its second
// (last) segment far past the fragment's end, as a crafted upload did.
std::filesystem::path WithBadSegmentOffset(const TempDir& dir) {
  std::string bytes = ReadBytes(TestFile("MR_small_RLE.dcm"));
  const std::size_t header = testing::FirstFragment(bytes) + 8;
  EXPECT_EQ(bytes[header], '\x02');  // two segments: 16-bit samples
  bytes.replace(header + 8, 4, std::string_view("\xd0\xfc\xff\xff", 4));
  const auto path = dir / "bad-rle.dcm";
  WriteBytes(path, bytes);
  return path;
}

// A copy of SC_rgb_jpeg_dcmtk.dcm whose first marker after SOI is a TEM
// (FF01): DCMTK's scan for the bit depth stops advancing there, for ever.
std::filesystem::path WithTemMarker(const TempDir& dir) {
  std::string bytes = ReadBytes(TestFile("SC_rgb_jpeg_dcmtk.dcm"));
  const std::size_t soi = bytes.find(std::string_view("\xff\xd8\xff", 3));
  EXPECT_NE(soi, std::string::npos);
  bytes[soi + 3] = '\x01';
  const auto path = dir / "tem.dcm";
  WriteBytes(path, bytes);
  return path;
}

// SC_rgb_rle.dcm (100 x 100, 8-bit RGB) encoded by DCMTK as progressive JPEG
// (process 10), whose frame header then claims `rows` x `columns`.
std::filesystem::path ProgressiveJpegClaiming(std::uint16_t rows, std::uint16_t columns,
                                              const TempDir& dir) {
  const auto path = dir / "progressive.dcm";
  auto file = LoadPart10File(TestFile("SC_rgb_rle.dcm"));
  EXPECT_TRUE(file);
  if (!file) return path;
  DcmDataset& dataset = *(*file)->getDataset();
  const DJ_RPLossy lossy(90);
  EXPECT_TRUE(dataset.chooseRepresentation(EXS_LittleEndianExplicit, nullptr).good());
  EXPECT_TRUE(dataset.chooseRepresentation(EXS_JPEGProcess10_12, &lossy).good());
  EXPECT_TRUE((*file)->saveFile(path.c_str(), EXS_JPEGProcess10_12).good());

  std::string bytes = ReadBytes(path);
  const std::size_t frame_header = bytes.find(std::string_view("\xff\xc2", 2));  // SOF2
  EXPECT_NE(frame_header, std::string::npos);
  if (frame_header == std::string::npos) return path;
  bytes[frame_header + 5] = static_cast<char>(rows >> 8);
  bytes[frame_header + 6] = static_cast<char>(rows & 0xff);
  bytes[frame_header + 7] = static_cast<char>(columns >> 8);
  bytes[frame_header + 8] = static_cast<char>(columns & 0xff);
  WriteBytes(path, bytes);
  return path;
}

// Decoding `damaged` refuses it as corrupt on every path (frames, rendering,
// transcoding), while its stored bitstream is still served as it is.
void ExpectEveryDecodingPathRefuses(const std::filesystem::path& damaged) {
  const std::uint32_t first = 1;
  const auto decoded = ReadFrames(damaged, {&first, 1}, FrameEncoding::kUncompressed);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kCorrupt);
  const auto rendered = Render(damaged, RenderOptions{});
  ASSERT_FALSE(rendered);
  EXPECT_EQ(rendered.error().code, ErrorCode::kCorrupt);
  const auto transcoded = TranscodePart10(damaged, transfer_syntax::kExplicitVrLittleEndian);
  ASSERT_FALSE(transcoded);
  EXPECT_EQ(transcoded.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(ReadFrames(damaged, {&first, 1}, FrameEncoding::kAsStored));
}

// The preflight itself refuses `damaged` as corrupt, saying `why`.
void ExpectPreflightRefuses(const std::filesystem::path& damaged, std::string_view why) {
  auto file = LoadPart10File(damaged);
  ASSERT_TRUE(file) << file.error().message;
  const Status checked = CheckBeforeDecoding(*(*file)->getDataset());
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(checked.error().message.find(why), std::string::npos) << checked.error().message;
}

class DecoderPreflightTest : public ::testing::Test {
 protected:
  CodecRegistry codecs_;
  TempDir dir_;
};

TEST_F(DecoderPreflightTest, AcceptsRealCompressedFiles) {
  for (const char* name : {"MR_small_RLE.dcm", "SC_rgb_rle_2frame.dcm", "SC_rgb_rle_32bit.dcm",
                           "SC_rgb_jpeg_dcmtk.dcm", "JPEG-lossy.dcm", "JPGExtended.dcm",
                           "SC_rgb_jpeg_gdcm.dcm", "SC_rgb_small_odd_jpeg.dcm"}) {
    SCOPED_TRACE(name);
    auto file = LoadPart10File(TestFile(name));
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_TRUE(CheckBeforeDecoding(*(*file)->getDataset()));
  }
}

TEST_F(DecoderPreflightTest, EveryDecodingPathRefusesASegmentOffsetPastTheFragment) {
  const auto damaged = WithBadSegmentOffset(dir_);
  ExpectPreflightRefuses(damaged, "fragment 1 has an RLE segment offset past its end");

  // These handed the fragment to DCMTK, which read past it.
  ExpectEveryDecodingPathRefuses(damaged);
}

TEST_F(DecoderPreflightTest, EveryDecodingPathRefusesAJpegTemMarkerBeforeTheFrame) {
  const auto damaged = WithTemMarker(dir_);
  ExpectPreflightRefuses(damaged, "TEM");

  // These spun for ever in DCMTK.
  ExpectEveryDecodingPathRefuses(damaged);
}

TEST_F(DecoderPreflightTest, AcceptsAProgressiveJpegOfItsOwnSize) {
  const auto progressive = ProgressiveJpegClaiming(100, 100, dir_);
  const std::uint32_t first = 1;
  const auto decoded = ReadFrames(progressive, {&first, 1}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ((*decoded)[0].bytes.size(), 100u * 100u * 3u);
}

TEST_F(DecoderPreflightTest, EveryDecodingPathRefusesAJpegFrameLargerThanRowsAndColumns) {
  // IJG allocates a progressive image whole, at the size its frame header claims.
  const auto damaged = ProgressiveJpegClaiming(8000, 8000, dir_);
  const long peak_before = PeakRssKb();
  ExpectEveryDecodingPathRefuses(damaged);
  EXPECT_LT(PeakRssKb() - peak_before, 64 * 1024) << "the claimed 8000 x 8000 image was allocated";

  ExpectPreflightRefuses(damaged, "larger than its Rows and Columns");
}

TEST_F(DecoderPreflightTest, RefusesAJpegFrameWithMoreComponentsThanSamplesPerPixel) {
  auto file = LoadPart10File(ProgressiveJpegClaiming(100, 100, dir_));
  ASSERT_TRUE(file) << file.error().message;
  DcmDataset& dataset = *(*file)->getDataset();
  EXPECT_TRUE(CheckBeforeDecoding(dataset));
  ASSERT_TRUE(dataset.putAndInsertUint16(DCM_SamplesPerPixel, 1).good());
  const Status checked = CheckBeforeDecoding(dataset);
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("more components than Samples per Pixel"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera::dicom
