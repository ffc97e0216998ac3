#include "dimse/data_set_offset.h"

#include <cstdint>
#include <string_view>

namespace tessera::dimse {
namespace {

constexpr std::size_t kPreambleBytes = 128;
constexpr std::string_view kMagic = "DICM";

std::uint16_t ReadU16(std::span<const char> bytes, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[at]) |
                                    (static_cast<unsigned char>(bytes[at + 1]) << 8));
}

std::uint32_t ReadU32(std::span<const char> bytes, std::size_t at) {
  return static_cast<std::uint32_t>(ReadU16(bytes, at)) |
         (static_cast<std::uint32_t>(ReadU16(bytes, at + 2)) << 16);
}

// VRs whose explicit-VR header has 2 reserved bytes and a 32-bit length (PS3.5 7.1.2).
bool HasLongLength(std::string_view vr) {
  for (std::string_view each :
       {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}) {
    if (vr == each) return true;
  }
  return false;
}

Error Malformed(std::string_view what) {
  return Fail(ErrorCode::kInvalidArgument, "malformed File Meta Information: " + std::string(what));
}

}  // namespace

Result<std::size_t> DataSetOffset(std::span<const char> head) {
  if (head.size() < kPreambleBytes + kMagic.size() ||
      std::string_view(head.data() + kPreambleBytes, kMagic.size()) != kMagic) {
    return Fail(ErrorCode::kInvalidArgument, "not a DICOM Part 10 file");
  }
  std::size_t at = kPreambleBytes + kMagic.size();
  while (at < head.size()) {
    if (head.size() - at < 8) return Malformed("truncated element header");
    if (ReadU16(head, at) != 0x0002) return at;
    const std::string_view vr(head.data() + at + 4, 2);
    std::uint64_t value_length = ReadU16(head, at + 6);
    std::size_t header_length = 8;
    if (HasLongLength(vr)) {
      if (head.size() - at < 12) return Malformed("truncated element header");
      value_length = ReadU32(head, at + 8);
      header_length = 12;
    }
    if (value_length == 0xFFFFFFFF) return Malformed("undefined length");
    if (value_length > head.size() - at - header_length) return Malformed("truncated value");
    at += header_length + static_cast<std::size_t>(value_length);
  }
  return at;
}

}  // namespace tessera::dimse
