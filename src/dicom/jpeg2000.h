#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"

namespace tessera::dicom {

// The native layout one decoded JPEG 2000 frame must fill.
struct FrameGeometry {
  std::uint32_t rows = 0;
  std::uint32_t columns = 0;
  std::uint32_t samples = 1;         // Samples per Pixel
  std::uint32_t bits_allocated = 8;  // 8, 16 or 32
};

// Decodes one JPEG 2000 frame (a raw codestream or a JP2 file, as some writers
// embed) with OpenJPEG into `out`: little-endian, colour-by-pixel samples of
// `geometry.bits_allocated` bits, exactly rows * columns * samples of them.
// Component values are stored as they decode (signed ones in two's complement);
// a reversible or irreversible colour transform in the codestream is undone by
// OpenJPEG, so YBR_RCT/YBR_ICT data comes out as RGB.
// The size the codestream declares is checked before OpenJPEG reads it, so that
// memory stays bounded by `geometry`, whatever the bitstream claims.
// Errors: kCorrupt when the bitstream does not decode or its size or component
// count differs from `geometry` (or exceeds four components); kUnsupported for
// subsampled components, more than 4096 tiles or a Bits Allocated other than 8,
// 16 or 32; kInvalidArgument when `out` has the wrong size. Thread-safe.
Status DecodeJpeg2000(std::string_view bitstream, const FrameGeometry& geometry,
                      std::span<char> out);

}  // namespace tessera::dicom
