#include "dicom/renderer.h"

#include <atomic>
#include <cstdio>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <png.h>

#include "dicom/codecs.h"
#include "test_support.h"

namespace tessera::dicom {
namespace {

using testing::TempDir;
using testing::TestFile;

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<unsigned char> pixels;

  std::size_t DistinctValues() const {
    return std::set<unsigned char>(pixels.begin(), pixels.end()).size();
  }
};

Image DecodePng(const std::string& bytes) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size())) return {};
  const bool colour = (png.format & PNG_FORMAT_FLAG_COLOR) != 0;
  png.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  Image image{static_cast<int>(png.width), static_cast<int>(png.height), colour ? 3 : 1, {}};
  image.pixels.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, image.pixels.data(), 0, nullptr)) return {};
  return image;
}

Image DecodeJpeg(const std::string& bytes) {
  jpeg_decompress_struct jpeg{};
  jpeg_error_mgr errors{};
  jpeg.err = jpeg_std_error(&errors);
  jpeg_create_decompress(&jpeg);
  jpeg_mem_src(&jpeg, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  Image image;
  if (jpeg_read_header(&jpeg, TRUE) == JPEG_HEADER_OK && jpeg_start_decompress(&jpeg)) {
    image.width = static_cast<int>(jpeg.output_width);
    image.height = static_cast<int>(jpeg.output_height);
    image.channels = jpeg.output_components;
    image.pixels.resize(static_cast<std::size_t>(image.width) * image.height * image.channels);
    while (jpeg.output_scanline < jpeg.output_height) {
      JSAMPROW row = image.pixels.data() +
                     static_cast<std::size_t>(jpeg.output_scanline) * image.width * image.channels;
      jpeg_read_scanlines(&jpeg, &row, 1);
    }
    jpeg_finish_decompress(&jpeg);
  }
  jpeg_destroy_decompress(&jpeg);
  return image;
}

bool IsPng(const std::string& bytes) { return bytes.starts_with("\x89PNG\r\n\x1A\n"); }
bool IsJpeg(const std::string& bytes) { return bytes.starts_with("\xFF\xD8\xFF"); }

class RendererTest : public ::testing::Test {
 protected:
  std::string RenderOk(std::string_view file, const RenderOptions& options) {
    const auto bytes = Render(TestFile(file), options);
    EXPECT_TRUE(bytes) << file << ": " << (bytes ? "" : bytes.error().message);
    return bytes ? *bytes : std::string();
  }

  CodecRegistry codecs_;
};

struct RenderCase {
  std::string_view file;
  std::pair<int, int> viewport;
  int width;  // expected output size
  int height;
  int channels;
};

TEST_F(RendererTest, RendersPngAndJpegFittedToTheViewport) {
  const RenderCase cases[] = {
      {"CT_small.dcm", {64, 64}, 64, 64, 1},                       // 128x128 MONOCHROME2, 16-bit
      {"MR_small_RLE.dcm", {32, 20}, 20, 20, 1},                   // RLE, 64x64
      {"SC_rgb_jpeg_dcmtk.dcm", {50, 80}, 50, 50, 3},              // JPEG YBR_FULL colour, 100x100
      {"MR_small_jpeg_ls_lossless.dcm", {256, 256}, 256, 256, 1},  // scaled up
      {"CT_small.dcm", {8192, 4096}, 2048, 2048, 1},  // enlarged to 2048 x 2048 at most
      {"rtdose.dcm", {20, 40}, 20, 20, 1},                         // 32-bit multi-frame
  };
  for (const RenderCase& c : cases) {
    for (auto format : {RenderOptions::kPng, RenderOptions::kJpeg}) {
      SCOPED_TRACE(std::string(c.file) + (format == RenderOptions::kPng ? " png" : " jpeg"));
      RenderOptions options;
      options.format = format;
      options.viewport = c.viewport;
      const std::string bytes = RenderOk(c.file, options);
      const Image image = format == RenderOptions::kPng ? DecodePng(bytes) : DecodeJpeg(bytes);
      EXPECT_TRUE(format == RenderOptions::kPng ? IsPng(bytes) : IsJpeg(bytes));
      EXPECT_EQ(image.width, c.width);
      EXPECT_EQ(image.height, c.height);
      EXPECT_EQ(image.channels, c.channels);
      EXPECT_GT(image.DistinctValues(), 10u);  // a real picture, not a flat field
    }
  }
}

TEST_F(RendererTest, RendersAtNativeSizeWithoutViewport) {
  RenderOptions options;
  options.format = RenderOptions::kPng;
  const Image image = DecodePng(RenderOk("CT_small.dcm", options));
  EXPECT_EQ(image.width, 128);
  EXPECT_EQ(image.height, 128);
}

TEST_F(RendererTest, ExplicitWindowChangesTheRendering) {
  RenderOptions options;
  options.format = RenderOptions::kPng;
  const Image automatic = DecodePng(RenderOk("CT_small.dcm", options));
  options.window = std::make_pair(40.0, 80.0);  // soft-tissue window (HU)
  const Image soft_tissue = DecodePng(RenderOk("CT_small.dcm", options));
  options.window = std::make_pair(-10000.0, 1.0);  // everything above the window: white
  const Image white = DecodePng(RenderOk("CT_small.dcm", options));
  EXPECT_NE(automatic.pixels, soft_tissue.pixels);
  EXPECT_EQ(white.DistinctValues(), 1u);
  EXPECT_EQ(white.pixels[0], 255);
}

TEST_F(RendererTest, RendersTheRequestedFrame) {
  RenderOptions options;
  options.format = RenderOptions::kPng;
  options.frame = 1;
  const Image first = DecodePng(RenderOk("SC_rgb_rle_2frame.dcm", options));
  options.frame = 2;
  const Image second = DecodePng(RenderOk("SC_rgb_rle_2frame.dcm", options));
  EXPECT_EQ(first.channels, 3);
  EXPECT_NE(first.pixels, second.pixels);

  options.frame = 3;
  const auto missing = Render(TestFile("SC_rgb_rle_2frame.dcm"), options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "frame 3 does not exist");
}

TEST_F(RendererTest, InvertsMonochrome1) {
  TempDir dir;
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(TestFile("MR_small.dcm").c_str()).good());
  file.getDataset()->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME1");
  const auto inverted_path = dir / "mono1.dcm";
  ASSERT_TRUE(file.saveFile(inverted_path.c_str(), EXS_LittleEndianExplicit).good());

  RenderOptions options;
  options.format = RenderOptions::kPng;
  options.window = std::make_pair(600.0, 1200.0);
  const Image normal = DecodePng(RenderOk("MR_small.dcm", options));
  const auto bytes = Render(inverted_path, options);
  ASSERT_TRUE(bytes) << bytes.error().message;
  const Image inverted = DecodePng(*bytes);
  ASSERT_EQ(normal.pixels.size(), inverted.pixels.size());
  for (std::size_t i = 0; i < normal.pixels.size(); ++i) {
    ASSERT_NEAR(normal.pixels[i] + inverted.pixels[i], 255, 1) << "pixel " << i;
  }
}

TEST_F(RendererTest, RefusesWhatItCannotRender) {
  auto bytes = Render(TestFile("rtplan.dcm"), {});
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bytes.error().message, "no pixel data");

  TempDir dir;
  const auto multicomponent = testing::RelabelledCopy(
      TestFile("JPEG2000.dcm"), "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.93", dir);
  bytes = Render(multicomponent, {});
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::kUnsupported);

  // A damaged image is the stored data's fault, whatever DCMTK calls it.
  for (std::string_view name : {"JPEG-lossy.dcm", "SC_rgb_jpeg_dcmtk.dcm", "JPEG2000.dcm"}) {
    SCOPED_TRACE(name);
    bytes = Render(testing::DamagedCopy(TestFile(name), dir), {});
    ASSERT_FALSE(bytes);
    EXPECT_EQ(bytes.error().code, ErrorCode::kCorrupt);
    EXPECT_TRUE(
        bytes.error().message.starts_with("cannot render: the stored image cannot be "
                                          "decoded"))
        << bytes.error().message;
  }

  RenderOptions bad;
  bad.quality = 0;
  EXPECT_EQ(Render(TestFile("CT_small.dcm"), bad).error().code, ErrorCode::kInvalidArgument);
  bad = {};
  bad.viewport = std::make_pair(0, 10);
  EXPECT_EQ(Render(TestFile("CT_small.dcm"), bad).error().code, ErrorCode::kInvalidArgument);
  bad.viewport = std::make_pair(10, kMaxViewportSide + 1);
  EXPECT_EQ(Render(TestFile("CT_small.dcm"), bad).error().code, ErrorCode::kInvalidArgument);
  bad = {};
  bad.window = std::make_pair(40.0, 0.0);
  EXPECT_EQ(Render(TestFile("CT_small.dcm"), bad).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RendererTest, ConcurrentRendersAgreeWithSerialOnes) {
  const std::string_view files[] = {"CT_small.dcm", "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm",
                                    "MR_small_jpeg_ls_lossless.dcm", "rtdose_rle.dcm"};
  RenderOptions options;
  options.viewport = std::make_pair(48, 48);
  std::vector<std::string> expected;
  for (std::string_view file : files) expected.push_back(RenderOk(file, options));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        for (std::size_t i = 0; i < std::size(files); ++i) {
          const auto bytes = Render(TestFile(files[i]), options);
          if (!bytes || *bytes != expected[i]) ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(RendererTest, HigherJpegQualityGivesLargerFiles) {
  RenderOptions options;
  options.quality = 20;
  const std::string low = RenderOk("CT_small.dcm", options);
  options.quality = 95;
  const std::string high = RenderOk("CT_small.dcm", options);
  EXPECT_LT(low.size(), high.size());
}

}  // namespace
}  // namespace tessera::dicom
