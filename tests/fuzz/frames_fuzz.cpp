// Feeds a DICOM Part 10 file to the WADO-RS frame and bulk data readers
// (dicom/frames.h), which map encapsulated fragments to frames through
// dicom::EncapsulatedFrames (dicom/encapsulated_frames.h: Basic and Extended
// Offset Tables, fragment counts, start markers) and slice native pixel data.
// The last byte of the input picks the frames and encoding; the file is the rest.
// Checks: ReadFrames returns one frame per number asked for, in the encoding's
// transfer syntax; a frame asked for twice comes back the same.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dicom/codecs.h"
#include "dicom/frames.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = tessera::fuzz::QuietLogs();
  (void)quiet;
  static const tessera::dicom::CodecRegistry codecs;
  if (size == 0) return 0;
  const std::uint8_t selector = data[size - 1];
  const tessera::fuzz::MemoryFile file(tessera::fuzz::AsText(data, size - 1));

  using tessera::dicom::FrameEncoding;
  const std::vector<std::uint32_t> numbers = {1u + (selector & 3u), 1u, 1u + (selector & 3u)};
  auto frames = tessera::dicom::ReadFrames(file.path(), numbers, FrameEncoding::kAsStored);
  if (frames) {
    FUZZ_CHECK(frames->size() == numbers.size());
    FUZZ_CHECK((*frames)[0].bytes == (*frames)[2].bytes);
    FUZZ_CHECK(!(*frames)[0].transfer_syntax_uid.empty());
  }
  if ((selector & 0x10) != 0) {
    // Decoding: DCMTK's and OpenJPEG's decoders behind Tessera's bounds.
    const std::vector<std::uint32_t> first = {1};
    auto decoded = tessera::dicom::ReadFrames(file.path(), first, FrameEncoding::kUncompressed);
    if (decoded) {
      FUZZ_CHECK(decoded->size() == 1);
      FUZZ_CHECK((*decoded)[0].transfer_syntax_uid == "1.2.840.10008.1.2.1");
    }
  }
  for (const char* path : {"7FE00010", "00420011", "00540016/0/00181072", "7FE00008"}) {
    (void)tessera::dicom::ReadBulkData(file.path(), path);
  }
  return 0;
}
