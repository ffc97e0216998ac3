#include "dicom/frames.h"

#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <gtest/gtest.h>

#include "dicom/codecs.h"
#include "dicom/transcoder.h"
#include "test_support.h"

namespace tessera::dicom {
namespace {

using testing::DcmtkDecodedPixels;
using testing::TempDir;
using testing::TestFile;
using testing::WriteBytes;
namespace ts = transfer_syntax;

class FramesTest : public ::testing::Test {
 protected:
  Result<std::vector<Frame>> Read(const std::filesystem::path& file,
                                  std::vector<std::uint32_t> numbers, FrameEncoding encoding) {
    return ReadFrames(file, numbers, encoding);
  }

  // Frame `number` (1-based) sliced out of DCMTK's decoding of the whole file.
  static std::string ReferenceFrame(const std::filesystem::path& file, std::uint32_t number,
                                    std::uint32_t frame_count) {
    const std::string all = DcmtkDecodedPixels(file);
    const std::size_t size = all.size() / frame_count;
    return all.substr((number - 1) * size, size);
  }

  CodecRegistry codecs_;
  TempDir dir_;
};

TEST_F(FramesTest, SlicesNativeFramesInRequestedOrder) {
  const auto frames = Read(TestFile("rtdose.dcm"), {15, 1, 7, 1}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(frames) << frames.error().message;
  ASSERT_EQ(frames->size(), 4u);
  const std::uint32_t expected[] = {15, 1, 7, 1};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ((*frames)[i].bytes.size(), 10u * 10u * 4u);  // 10x10, 32-bit
    EXPECT_EQ((*frames)[i].bytes, ReferenceFrame(TestFile("rtdose.dcm"), expected[i], 15));
    EXPECT_EQ((*frames)[i].transfer_syntax_uid, ts::kExplicitVrLittleEndian);
  }
  EXPECT_NE((*frames)[0].bytes, (*frames)[1].bytes);
}

TEST_F(FramesTest, NativeAsStoredEqualsUncompressed) {
  const auto stored = Read(TestFile("rtdose.dcm"), {3}, FrameEncoding::kAsStored);
  const auto plain = Read(TestFile("rtdose.dcm"), {3}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(stored);
  ASSERT_TRUE(plain);
  EXPECT_EQ((*stored)[0].bytes, (*plain)[0].bytes);
  EXPECT_EQ((*stored)[0].transfer_syntax_uid, ts::kExplicitVrLittleEndian);
}

TEST_F(FramesTest, BigEndianAndRleFramesEqualTheLittleEndianOriginal) {
  for (std::string_view file : {"rtdose_rle.dcm"}) {
    SCOPED_TRACE(file);
    const auto frames = Read(TestFile(file), {1, 8, 15}, FrameEncoding::kUncompressed);
    ASSERT_TRUE(frames) << frames.error().message;
    const auto originals = Read(TestFile("rtdose.dcm"), {1, 8, 15}, FrameEncoding::kUncompressed);
    ASSERT_TRUE(originals);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ((*frames)[i].bytes, (*originals)[i].bytes);
  }
}

TEST_F(FramesTest, SwapsBigEndianFramesLikeDcmtk) {
  // 16-bit words: the same pixels as the little-endian original.
  const auto mr = Read(TestFile("MR_small_bigendian.dcm"), {1}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(mr) << mr.error().message;
  EXPECT_EQ((*mr)[0].bytes, DcmtkDecodedPixels(TestFile("MR_small.dcm")));
  // 32-bit pixels in OW: DCMTK's word swap, so frames agree with what it transcodes.
  const auto dose = Read(TestFile("rtdose_expb.dcm"), {2, 15}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(dose) << dose.error().message;
  EXPECT_EQ((*dose)[0].bytes, ReferenceFrame(TestFile("rtdose_expb.dcm"), 2, 15));
  EXPECT_EQ((*dose)[1].bytes, ReferenceFrame(TestFile("rtdose_expb.dcm"), 15, 15));
}

TEST_F(FramesTest, DecodesRleColourFramesLikeDcmtk) {
  for (std::string_view file : {"SC_rgb_rle_2frame.dcm", "SC_rgb_rle_16bit_2frame.dcm"}) {
    SCOPED_TRACE(file);
    const auto frames = Read(TestFile(file), {2, 1}, FrameEncoding::kUncompressed);
    ASSERT_TRUE(frames) << frames.error().message;
    EXPECT_EQ((*frames)[0].bytes, ReferenceFrame(TestFile(file), 2, 2));
    EXPECT_EQ((*frames)[1].bytes, ReferenceFrame(TestFile(file), 1, 2));
  }
}

TEST_F(FramesTest, DecodesJpegFramesLikeDcmtk) {
  for (std::string_view file : {"SC_rgb_jpeg_dcmtk.dcm", "JPGExtended.dcm", "SC_rgb_jpeg_gdcm.dcm",
                                "SC_rgb_small_odd_jpeg.dcm"}) {
    SCOPED_TRACE(file);
    const auto frames = Read(TestFile(file), {1}, FrameEncoding::kUncompressed);
    ASSERT_TRUE(frames) << frames.error().message;
    // The whole decoded value carries a pad byte when odd-sized; a frame does not.
    const std::string reference = DcmtkDecodedPixels(TestFile(file));
    const std::string& bytes = (*frames)[0].bytes;
    EXPECT_EQ(bytes, reference.substr(0, bytes.size()));
    EXPECT_GE(bytes.size() + 1, reference.size());
    EXPECT_EQ((*frames)[0].transfer_syntax_uid, ts::kExplicitVrLittleEndian);
  }
}

TEST_F(FramesTest, DecodedYbrJpegStaysInTheColourSpaceTheMetadataNames) {
  // A frame carries no Photometric Interpretation: the client reads the instance's
  // metadata (YBR_FULL, YBR_FULL_422), so the pixels stay YCbCr. Red in YCbCr is about
  // (76, 85, 255); RGB red would be (254, 0, 0). Both files are 100x100, 3 bytes a pixel
  // once decoded (4:2:2 comes out at full resolution, as pydicom also gives it).
  for (std::string_view file : {"SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_dcmtk_+eb+cy+np.dcm"}) {
    SCOPED_TRACE(file);
    const auto frames = Read(TestFile(file), {1}, FrameEncoding::kUncompressed);
    ASSERT_TRUE(frames) << frames.error().message;
    const std::string& bytes = (*frames)[0].bytes;
    ASSERT_EQ(bytes.size(), 30000u);
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 76);
    EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 85);
    EXPECT_EQ(static_cast<unsigned char>(bytes[2]), 255);
  }
}

TEST_F(FramesTest, ADamagedFrameIsReportedAsTheStoredData) {
  TempDir dir;
  for (std::string_view file : {"JPEG-lossy.dcm", "SC_rgb_jpeg_dcmtk.dcm", "JPEG2000.dcm"}) {
    SCOPED_TRACE(file);
    const auto damaged = testing::DamagedCopy(TestFile(file), dir);
    const auto frames = Read(damaged, {1}, FrameEncoding::kUncompressed);
    ASSERT_FALSE(frames);
    EXPECT_EQ(frames.error().code, ErrorCode::kCorrupt);
    EXPECT_TRUE(frames.error().message.starts_with("cannot decode frame 1 of the stored image"))
        << frames.error().message;
    // As stored, the bytes are still served: a viewer may decode more leniently.
    EXPECT_TRUE(Read(damaged, {1}, FrameEncoding::kAsStored));
  }
}

TEST_F(FramesTest, SlicesSubsampledYbrFramesAtTwoSamplesPerPixel) {
  // 100x100 YBR_FULL_422, 8-bit: 20000 bytes, not 30000.
  const auto frames =
      Read(TestFile("SC_ybr_full_422_uncompressed.dcm"), {1}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(frames) << frames.error().message;
  EXPECT_EQ((*frames)[0].bytes.size(), 20000u);
  EXPECT_EQ((*frames)[0].bytes,
            *ReadBulkData(TestFile("SC_ybr_full_422_uncompressed.dcm"), "7FE00010"));
}

TEST_F(FramesTest, AsStoredRleFramesAreRleSegments) {
  const auto frames = Read(TestFile("SC_rgb_rle_2frame.dcm"), {1, 2}, FrameEncoding::kAsStored);
  ASSERT_TRUE(frames) << frames.error().message;
  for (const Frame& frame : *frames) {
    EXPECT_EQ(frame.transfer_syntax_uid, ts::kRleLossless);
    ASSERT_GE(frame.bytes.size(), 64u);
    // RLE header: segment count (3 for 8-bit RGB), first segment at offset 64.
    EXPECT_EQ(frame.bytes.substr(0, 8), std::string("\x03\0\0\0\x40\0\0\0", 8));
  }
  EXPECT_NE((*frames)[0].bytes, (*frames)[1].bytes);
}

TEST_F(FramesTest, AsStoredJpegIsTheCodestream) {
  const auto frames = Read(TestFile("SC_rgb_jpeg_dcmtk.dcm"), {1}, FrameEncoding::kAsStored);
  ASSERT_TRUE(frames) << frames.error().message;
  const std::string& bytes = (*frames)[0].bytes;
  EXPECT_EQ((*frames)[0].transfer_syntax_uid, ts::kJpegBaseline);
  EXPECT_EQ(bytes.substr(0, 2), "\xFF\xD8");
  const std::size_t end = bytes.rfind("\xFF\xD9");
  ASSERT_NE(end, std::string::npos);
  EXPECT_GE(end + 2, bytes.size() - 1);  // at most one pad byte after EOI
}

TEST_F(FramesTest, UsesTheBasicOffsetTableOfMultiFrameJpegLs) {
  // DCMTK's encoder writes a Basic Offset Table.
  const auto encoded =
      TranscodePart10(TestFile("SC_rgb_rle_16bit_2frame.dcm"), ts::kJpegLsLossless);
  ASSERT_TRUE(encoded) << encoded.error().message;
  WriteBytes(dir_ / "jls.dcm", *encoded);
  const auto stored = Read(dir_ / "jls.dcm", {2, 1}, FrameEncoding::kAsStored);
  ASSERT_TRUE(stored) << stored.error().message;
  for (const Frame& frame : *stored) {
    EXPECT_EQ(frame.bytes.substr(0, 2), "\xFF\xD8");
    EXPECT_EQ(frame.transfer_syntax_uid, ts::kJpegLsLossless);
  }
  const auto decoded = Read(dir_ / "jls.dcm", {2, 1}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(decoded) << decoded.error().message;
  const auto original =
      Read(TestFile("SC_rgb_rle_16bit_2frame.dcm"), {2, 1}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(original);
  EXPECT_EQ((*decoded)[0].bytes, (*original)[0].bytes);
  EXPECT_EQ((*decoded)[1].bytes, (*original)[1].bytes);
}

// Rewrites a multi-frame JPEG file with each frame split over two fragments and
// an empty offset table, so that only the start markers tell frames apart.
std::filesystem::path SplitFragments(const std::filesystem::path& source,
                                     const std::vector<std::string>& frames, const TempDir& dir) {
  DcmFileFormat file;
  EXPECT_TRUE(file.loadFile(source.c_str()).good());
  DcmDataset* dataset = file.getDataset();
  const E_TransferSyntax xfer = dataset->getOriginalXfer();
  auto* sequence = new DcmPixelSequence(DcmTag(DCM_PixelSequenceTag));
  sequence->insert(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));  // empty offset table
  for (const std::string& frame : frames) {
    const std::size_t half = frame.size() / 4 * 2;  // fragments must be even-sized
    for (const std::string& part : {frame.substr(0, half), frame.substr(half)}) {
      auto* item = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
      item->putUint8Array(reinterpret_cast<const Uint8*>(part.data()), part.size());
      sequence->insert(item);
    }
  }
  auto* pixels = new DcmPixelData(DCM_PixelData);
  pixels->putOriginalRepresentation(xfer, nullptr, sequence);
  dataset->insert(pixels, OFTrue);
  const auto path = dir / "split.dcm";
  EXPECT_TRUE(file.saveFile(path.c_str(), xfer).good());
  return path;
}

TEST_F(FramesTest, FindsFramesSpreadOverSeveralFragmentsWithoutOffsetTable) {
  const auto encoded = TranscodePart10(TestFile("SC_rgb_rle_2frame.dcm"), ts::kJpegLsLossless);
  ASSERT_TRUE(encoded) << encoded.error().message;
  WriteBytes(dir_ / "jls.dcm", *encoded);
  const auto stored = Read(dir_ / "jls.dcm", {1, 2}, FrameEncoding::kAsStored);
  ASSERT_TRUE(stored);
  const std::vector<std::string> bitstreams = {(*stored)[0].bytes, (*stored)[1].bytes};
  for (const auto& b : bitstreams) ASSERT_EQ(b.size() % 2, 0u);

  const auto split = SplitFragments(dir_ / "jls.dcm", bitstreams, dir_);
  const auto again = Read(split, {2, 1}, FrameEncoding::kAsStored);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)[0].bytes, bitstreams[1]);
  EXPECT_EQ((*again)[1].bytes, bitstreams[0]);
  const auto decoded = Read(split, {2}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ((*decoded)[0].bytes, ReferenceFrame(TestFile("SC_rgb_rle_2frame.dcm"), 2, 2));
}

TEST_F(FramesTest, RepacksOneBitFramesToAByteBoundary) {
  // 3 frames of 3x3 one-bit pixels: 27 bits, frames start at bits 0, 9 and 18.
  const bool pixels[3][9] = {
      {1, 0, 0, 0, 1, 0, 0, 0, 1}, {1, 1, 1, 0, 0, 0, 1, 1, 1}, {0, 1, 0, 1, 0, 1, 0, 1, 1}};
  Uint8 packed[4] = {};
  for (int f = 0; f < 3; ++f) {
    for (int i = 0; i < 9; ++i) {
      const int bit = f * 9 + i;
      if (pixels[f][i]) packed[bit / 8] |= static_cast<Uint8>(1u << (bit % 8));
    }
  }
  DcmFileFormat file;
  DcmDataset* d = file.getDataset();
  d->putAndInsertString(DCM_SOPClassUID, "1.2.840.10008.5.1.4.1.1.66.4");
  d->putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4");
  d->putAndInsertUint16(DCM_Rows, 3);
  d->putAndInsertUint16(DCM_Columns, 3);
  d->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  d->putAndInsertUint16(DCM_BitsAllocated, 1);
  d->putAndInsertUint16(DCM_BitsStored, 1);
  d->putAndInsertUint16(DCM_HighBit, 0);
  d->putAndInsertString(DCM_NumberOfFrames, "3");
  d->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  d->putAndInsertUint8Array(DCM_PixelData, packed, sizeof packed);
  const auto path = dir_ / "bits.dcm";
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());

  const auto frames = Read(path, {1, 2, 3}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(frames) << frames.error().message;
  for (int f = 0; f < 3; ++f) {
    SCOPED_TRACE(f);
    const std::string& bytes = (*frames)[f].bytes;
    ASSERT_EQ(bytes.size(), 2u);
    for (int i = 0; i < 9; ++i) {
      EXPECT_EQ((static_cast<unsigned char>(bytes[i / 8]) >> (i % 8)) & 1, pixels[f][i] ? 1 : 0);
    }
    EXPECT_EQ(static_cast<unsigned char>(bytes[1]) & 0xFE, 0);  // unused bits are zero
  }
}

TEST_F(FramesTest, ReportsFramesThatDoNotExist) {
  auto frames = Read(TestFile("rtdose.dcm"), {1, 16}, FrameEncoding::kUncompressed);
  ASSERT_FALSE(frames);
  EXPECT_EQ(frames.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(frames.error().message, "frame 16 does not exist");

  frames = Read(TestFile("MR_small_RLE.dcm"), {0}, FrameEncoding::kAsStored);
  ASSERT_FALSE(frames);
  EXPECT_EQ(frames.error().message, "frame 0 does not exist");

  frames = Read(TestFile("rtplan.dcm"), {1}, FrameEncoding::kAsStored);
  ASSERT_FALSE(frames);
  EXPECT_EQ(frames.error().code, ErrorCode::kNotFound);
}

TEST_F(FramesTest, DecodesJpeg2000WithOpenJpeg) {
  // Lossless JPEG 2000 of MR_small: exactly the original pixels.
  const auto lossless =
      Read(TestFile("MR_small_jp2klossless.dcm"), {1}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(lossless) << lossless.error().message;
  EXPECT_EQ((*lossless)[0].bytes, DcmtkDecodedPixels(TestFile("MR_small.dcm")));

  // A JP2 file inside Pixel Data, YBR_RCT decoded to RGB: 400x400, 8-bit colour.
  const auto colour = Read(TestFile("GDCMJ2K_TextGBR.dcm"), {1}, FrameEncoding::kUncompressed);
  ASSERT_TRUE(colour) << colour.error().message;
  EXPECT_EQ((*colour)[0].bytes.size(), 400u * 400u * 3u);

  const auto stored = Read(TestFile("JPEG2000.dcm"), {1}, FrameEncoding::kAsStored);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ((*stored)[0].bytes.substr(0, 4), "\xFF\x4F\xFF\x51");
  EXPECT_EQ((*stored)[0].transfer_syntax_uid, ts::kJpeg2000);
  const auto jp2 = Read(TestFile("GDCMJ2K_TextGBR.dcm"), {1}, FrameEncoding::kAsStored);
  ASSERT_TRUE(jp2);
  EXPECT_EQ((*jp2)[0].bytes.substr(4, 4), "jP  ");
}

TEST_F(FramesTest, UndecodableSyntaxesAreOnlyServedAsStored) {
  // JPEG 2000 Part 2 multi-component: no decoder.
  const auto file = testing::RelabelledCopy(TestFile("JPEG2000.dcm"), "1.2.840.10008.1.2.4.91",
                                            "1.2.840.10008.1.2.4.93", dir_);
  const auto stored = Read(file, {1}, FrameEncoding::kAsStored);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ((*stored)[0].transfer_syntax_uid, "1.2.840.10008.1.2.4.93");
  const auto decoded = Read(file, {1}, FrameEncoding::kUncompressed);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kUnsupported);
}

TEST_F(FramesTest, ReadBulkDataReturnsValueBytes) {
  auto pixels = ReadBulkData(TestFile("CT_small.dcm"), "7FE00010");
  ASSERT_TRUE(pixels) << pixels.error().message;
  EXPECT_EQ(*pixels, DcmtkDecodedPixels(TestFile("CT_small.dcm")));

  pixels = ReadBulkData(TestFile("MR_small_bigendian.dcm"), "7fe00010");
  ASSERT_TRUE(pixels) << pixels.error().message;
  EXPECT_EQ(*pixels, DcmtkDecodedPixels(TestFile("MR_small.dcm")));  // swapped to little endian

  const auto private_ob = ReadBulkData(TestFile("CT_small.dcm"), "0043102A");
  ASSERT_TRUE(private_ob);
  EXPECT_EQ(private_ob->substr(7, 12), "HiSpeed CT/i");

  const auto waveform = ReadBulkData(TestFile("waveform_ecg.dcm"), "54000100/1/54001010");
  ASSERT_TRUE(waveform) << waveform.error().message;
  EXPECT_EQ(waveform->size(), 28800u);
}

TEST_F(FramesTest, ReadBulkDataRefusesWhatIsNotASingleValue) {
  auto bytes = ReadBulkData(TestFile("MR_small_RLE.dcm"), "7FE00010");
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kUnsupported);

  bytes = ReadBulkData(TestFile("CT_small.dcm"), "00101002");
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kInvalidArgument);

  for (std::string_view path : {"7FE0", "00101002/x/00100020", "00101002/0", "", "/7FE00010"}) {
    SCOPED_TRACE(path);
    bytes = ReadBulkData(TestFile("CT_small.dcm"), path);
    ASSERT_FALSE(bytes);
    EXPECT_EQ(bytes.error().code, ErrorCode::kInvalidArgument);
  }
  for (std::string_view path : {"00431099", "00101002/2/00100020", "00100010/0/00100020"}) {
    SCOPED_TRACE(path);
    bytes = ReadBulkData(TestFile("CT_small.dcm"), path);
    ASSERT_FALSE(bytes);
    EXPECT_EQ(bytes.error().code, ErrorCode::kNotFound);
  }
}

}  // namespace
}  // namespace tessera::dicom
