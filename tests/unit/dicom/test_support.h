#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "dicom/frames.h"

namespace tessera::dicom::testing {

// pydicom's real test files, shipped by Debian's python3-pydicom.
inline std::filesystem::path TestFile(std::string_view name) {
  return std::filesystem::path(TESSERA_PYDICOM_TEST_FILES) / name;
}

inline std::filesystem::path CharsetFile(std::string_view name) {
  return std::filesystem::path(TESSERA_PYDICOM_TEST_FILES).parent_path() / "charset_files" / name;
}

inline std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void WriteBytes(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh directory under the system temp folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("tessera-dicom-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A copy of `source` whose File Meta names `to_uid` instead of `from_uid` (same
// length, so nothing else moves): a file in a syntax we have no codec for.
inline std::filesystem::path RelabelledCopy(const std::filesystem::path& source,
                                            std::string_view from_uid, std::string_view to_uid,
                                            const TempDir& dir) {
  std::string bytes = ReadBytes(source);
  const std::size_t at = bytes.find(from_uid);
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(from_uid.size(), to_uid.size());
  if (at != std::string::npos) bytes.replace(at, from_uid.size(), to_uid);
  const auto path = dir / "relabelled.dcm";
  WriteBytes(path, bytes);
  return path;
}

// The length in the (little endian) item header at `at` of Part 10 `bytes`.
inline std::size_t ItemLengthAt(const std::string& bytes, std::size_t at) {
  std::uint32_t length = 0;
  for (int i = 3; i >= 0; --i)
    length = (length << 8) | static_cast<unsigned char>(bytes[at + 4 + i]);
  return length;
}

// Writes `value` as four big-endian bytes at `at` (JPEG 2000 and JPEG fields).
inline void PutBigEndian32(std::string& bytes, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(value >> (24 - 8 * i));
}

// The test process's peak resident memory so far, in KiB: what a decode that
// allocated what a header claimed leaves behind.
inline long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// The first frame of `path` as stored: for an encapsulated file, its codestream.
inline std::string StoredFirstFrame(const std::filesystem::path& path) {
  const std::uint32_t first = 1;
  const auto frames = ReadFrames(path, {&first, 1}, FrameEncoding::kAsStored);
  EXPECT_TRUE(frames);
  return frames ? (*frames)[0].bytes : std::string();
}

// The stored codestream of pydicom's MR_small_jp2klossless.dcm: 64x64, one
// 16-bit component, one tile, lossless.
inline std::string MrJpeg2000Codestream() {
  return StoredFirstFrame(TestFile("MR_small_jp2klossless.dcm"));
}

// Where the item header of the first fragment after the Basic Offset Table
// begins in the Part 10 `bytes` of an encapsulated file.
inline std::size_t FirstFragment(const std::string& bytes) {
  const std::string_view item("\xfe\xff\x00\xe0", 4);
  const std::size_t pixel_data = bytes.rfind(std::string_view("\xe0\x7f\x10\x00", 4));
  const std::size_t offset_table = bytes.find(item, pixel_data);
  EXPECT_NE(offset_table, std::string::npos);
  return offset_table + 8 + ItemLengthAt(bytes, offset_table);
}

// A copy of an encapsulated `source` whose first frame's codestream has its
// middle third scrambled: the file still parses, the frame cannot be decoded.
inline std::filesystem::path DamagedCopy(const std::filesystem::path& source, const TempDir& dir) {
  std::string bytes = ReadBytes(source);
  const std::size_t fragment = FirstFragment(bytes);
  const std::size_t start = fragment + 8;
  const std::size_t size = ItemLengthAt(bytes, fragment);
  EXPECT_LE(start + size, bytes.size());
  for (std::size_t i = start + size / 3; i < start + 2 * size / 3; i += 3) bytes[i] ^= '\xa5';
  const auto path = dir / "damaged.dcm";
  WriteBytes(path, bytes);
  return path;
}

// The decoded native pixel bytes DCMTK itself produces for `path` (whole Pixel
// Data value, little endian): the reference the transcoder and frame reader are
// checked against.
inline std::string DcmtkDecodedPixels(const std::filesystem::path& path) {
  DcmFileFormat file;
  if (file.loadFile(path.c_str()).bad()) return {};
  DcmDataset* dataset = file.getDataset();
  if (dataset->chooseRepresentation(EXS_LittleEndianExplicit, nullptr).bad()) return {};
  DcmElement* pixels = nullptr;
  if (dataset->findAndGetElement(DCM_PixelData, pixels).bad()) return {};
  const Uint32 length = pixels->getLength(EXS_LittleEndianExplicit);
  std::string bytes(length, '\0');
  if (pixels->getPartialValue(bytes.data(), 0, length, nullptr, EBO_LittleEndian).bad()) return {};
  return bytes;
}

// Pixel bytes of a Part 10 file held in memory (e.g. a transcoder result).
inline std::string PixelsOfPart10Bytes(const std::string& bytes, const TempDir& dir,
                                       std::string* transfer_syntax = nullptr) {
  const auto path = dir / "part10.dcm";
  WriteBytes(path, bytes);
  DcmFileFormat file;
  if (file.loadFile(path.c_str()).bad()) return {};
  if (transfer_syntax != nullptr) {
    OFString uid;
    file.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, uid);
    *transfer_syntax = uid.c_str();
  }
  return DcmtkDecodedPixels(path);
}

}  // namespace tessera::dicom::testing
