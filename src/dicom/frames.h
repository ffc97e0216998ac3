#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tessera::dicom {

struct Frame {
  std::string bytes;
  // The syntax `bytes` are in: Explicit VR Little Endian ("1.2.840.10008.1.2.1")
  // for native pixels, else the stored (compressed) transfer syntax.
  std::string transfer_syntax_uid;
};

enum class FrameEncoding {
  // Native little-endian pixel bytes of the frame, Rows x Columns x Samples per
  // Pixel at Bits Allocated. Native files are sliced without reading other
  // frames, keeping their Planar Configuration; 1-bit frames are repacked to
  // start at a byte boundary. Encapsulated frames are decompressed one at a time;
  // the decoders emit colour-by-pixel samples and YCbCr JPEG as RGB.
  kUncompressed,
  // For encapsulated syntaxes, the frame's compressed bitstream exactly as stored
  // (its fragments concatenated); for native syntaxes the same as kUncompressed.
  kAsStored,
};

// Reads the frames numbered `frame_numbers` (1-based, any order, repeats allowed)
// of the Part 10 file at `file`, in that order.
// Errors: kNotFound "frame N does not exist" for 0 or N > NumberOfFrames (or any N
// when the instance has no Pixel Data); kUnsupported when kUncompressed needs a
// decoder we lack (video, JPEG 2000 Part 2, HTJ2K); kCorrupt when the pixel data is shorter than
// its attributes say or fragments cannot be matched to frames; the errors of
// LoadPart10File (dicom/dicom_file.h).
// REQUIRES: a CodecRegistry is alive when decompressing. Thread-safe.
Result<std::vector<Frame>> ReadFrames(const std::filesystem::path& file,
                                      std::span<const std::uint32_t> frame_numbers,
                                      FrameEncoding encoding);

// Returns the value bytes (little endian) of the element at `tag_path`, as
// dataset_json writes it in BulkDataURIs ("7FE00010", "00540016/0/00181072").
// Native Pixel Data is returned whole. Encapsulated Pixel Data has no single
// byte stream a client can use, so it is refused with kUnsupported: serve it per
// frame with ReadFrames(..., FrameEncoding::kAsStored), one multipart part each.
// Errors: kInvalidArgument for a malformed path or a sequence; kNotFound when the
// element does not exist; kCorrupt when its value cannot be read. Thread-safe.
Result<std::string> ReadBulkData(const std::filesystem::path& file, std::string_view tag_path);

}  // namespace tessera::dicom
