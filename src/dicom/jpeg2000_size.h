#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace tessera::dicom {

// What a JPEG 2000 codestream's SIZ marker (ISO/IEC 15444-1 A.5.1) declares,
// which is what OpenJPEG allocates for as soon as it reads the header.
struct Jpeg2000Size {
  std::uint32_t width = 0;   // Xsiz - XOsiz
  std::uint32_t height = 0;  // Ysiz - YOsiz
  std::uint32_t components = 0;
  std::uint64_t tiles = 0;
};

// Reads the SIZ marker of a bare codestream (it starts with SOC, FF4F) or of
// the codestream box ('jp2c') of a JP2 file, without decoding anything.
// Errors: kCorrupt when neither is found or the marker is inconsistent
// (offsets past the image, a zero tile size).
Result<Jpeg2000Size> ReadJpeg2000Size(std::string_view bitstream);

}  // namespace tessera::dicom
