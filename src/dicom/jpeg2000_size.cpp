#include "dicom/jpeg2000_size.h"

#include <optional>
#include <string>

namespace tessera::dicom {
namespace {

Error Corrupt(std::string_view why) {
  return Fail(ErrorCode::kCorrupt, "JPEG 2000: " + std::string(why));
}

std::uint32_t BigEndian(std::string_view bytes, std::size_t at, std::size_t width) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

// The contents of the first top-level 'jp2c' box (ISO/IEC 15444-1 I.4).
std::optional<std::string_view> Jp2Codestream(std::string_view file) {
  while (file.size() >= 8) {
    std::uint64_t length = BigEndian(file, 0, 4);
    const std::string_view type = file.substr(4, 4);
    std::size_t header = 8;
    if (length == 1) {  // a 64-bit length follows the type
      if (file.size() < 16) return std::nullopt;
      length = (std::uint64_t{BigEndian(file, 8, 4)} << 32) | BigEndian(file, 12, 4);
      header = 16;
    } else if (length == 0) {  // the box runs to the end
      length = file.size();
    }
    if (length < header || length > file.size()) return std::nullopt;
    if (type == "jp2c") return file.substr(header, length - header);
    file.remove_prefix(length);
  }
  return std::nullopt;
}

std::uint64_t CeilDiv(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

}  // namespace

Result<Jpeg2000Size> ReadJpeg2000Size(std::string_view bitstream) {
  std::string_view codestream = bitstream;
  if (!bitstream.starts_with(std::string_view("\xFF\x4F", 2))) {
    const auto boxed = Jp2Codestream(bitstream);
    if (!boxed) return Corrupt("neither a codestream nor a JP2 file with one");
    codestream = *boxed;
  }
  // SOC, then SIZ: FF51, Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz,
  // XTOsiz, YTOsiz (32 bits each from Xsiz on), Csiz.
  constexpr std::size_t kSizEnd = 44;
  if (codestream.size() < kSizEnd ||
      !codestream.starts_with(std::string_view("\xFF\x4F\xFF\x51", 4))) {
    return Corrupt("no SIZ marker after the start of the codestream");
  }
  const std::uint32_t x = BigEndian(codestream, 8, 4);
  const std::uint32_t y = BigEndian(codestream, 12, 4);
  const std::uint32_t x_offset = BigEndian(codestream, 16, 4);
  const std::uint32_t y_offset = BigEndian(codestream, 20, 4);
  const std::uint32_t tile_width = BigEndian(codestream, 24, 4);
  const std::uint32_t tile_height = BigEndian(codestream, 28, 4);
  const std::uint32_t tile_x_offset = BigEndian(codestream, 32, 4);
  const std::uint32_t tile_y_offset = BigEndian(codestream, 36, 4);
  if (x_offset >= x || y_offset >= y || tile_width == 0 || tile_height == 0 ||
      tile_x_offset > x_offset || tile_y_offset > y_offset) {
    return Corrupt("inconsistent SIZ marker");
  }
  Jpeg2000Size size;
  size.width = x - x_offset;
  size.height = y - y_offset;
  size.components = BigEndian(codestream, 40, 2);
  size.tiles = CeilDiv(x - tile_x_offset, tile_width) * CeilDiv(y - tile_y_offset, tile_height);
  return size;
}

}  // namespace tessera::dicom
