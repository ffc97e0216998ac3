#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include "base/result.h"

namespace tessera::dicom {

// Values longer than this stay in the file until asked for (DCMTK then reopens
// the file): Pixel Data and other bulk data are never read just to parse a file.
constexpr std::uint32_t kDefaultMaxReadLength = 4096;

// The largest deflated data set (Deflated Explicit VR Little Endian) read, once
// inflated: its values are all held in memory.
constexpr std::uint64_t kMaxInflatedBytes = 256ull << 20;
// kInvalidArgument "the deflated data set inflates to more than 256 MiB ...".
Error InflatesTooFar();

// Parses the DICOM Part 10 file at `path` into a DcmFileFormat whose File Meta
// Information is present. Values longer than `max_read_length` bytes are left on
// disk and loaded on access, so the file must stay in place while the result is used.
// Errors (all with a message naming no patient data):
//   kIo              the file cannot be opened or read;
//   kInvalidArgument "not a DICOM Part 10 file" (no preamble + "DICM", or no File Meta),
//                    "truncated DICOM file" (a value or item extends past the end of the
//                    file, including large values that were skipped rather than read),
//                    "invalid DICOM data: ..." for other parse failures, and
//                    "the deflated data set inflates to more than 256 MiB ..."
//                    (kMaxInflatedBytes).
// Thread-safe.
Result<std::unique_ptr<DcmFileFormat>> LoadPart10File(
    const std::filesystem::path& path, std::uint32_t max_read_length = kDefaultMaxReadLength);

// The most pixel data decoded from a compressed image: one frame to render or
// serve, and every frame of an instance transcoded. A compressed image's
// attributes may claim any size (65535 x 65535 x 3 samples, thousands of frames)
// for a few bytes of data, and decoders allocate what they claim.
constexpr std::uint64_t kMaxDecodedFrameBytes = 256ull << 20;
constexpr std::uint64_t kMaxDecodedBytes = 2ull << 30;

// kUnsupported ("the image is too large to decode here: ...") when `frames`
// frames of `dataset`, decoded (Rows x Columns x Samples per Pixel x Bits
// Allocated), would take more than `limit` bytes. Missing attributes pass: the
// decoder reports them.
Status CheckDecodedSize(DcmItem& dataset, std::uint64_t frames, std::uint64_t limit);

// Number of Frames (0028,0008) of an image, or 1 when it is absent, zero or not a
// number (single-frame IODs leave it out).
std::uint32_t FrameCount(DcmItem& dataset);

// True when `element` is Pixel Data stored encapsulated (a sequence of compressed
// fragments, whose element length is undefined rather than the data size).
bool IsEncapsulatedPixelData(DcmElement& element);

// True when `element` holds a value: a non-zero length, or encapsulated fragments.
bool HasPixelValue(DcmElement& element);

}  // namespace tessera::dicom
