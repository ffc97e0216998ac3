#include "dicom/file_meta.h"

#include <cstdint>
#include <string_view>

#include "base/strings.h"

namespace tessera::dicom {
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

Error Malformed(std::string_view what) {
  return Fail(ErrorCode::kInvalidArgument, "malformed File Meta Information: " + std::string(what));
}

}  // namespace

bool HasLongLength(std::string_view vr) {
  for (std::string_view each :
       {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}) {
    if (vr == each) return true;
  }
  return false;
}

Result<FileMetaFacts> ReadFileMeta(std::span<const char> head) {
  if (head.size() < kPreambleBytes + kMagic.size() ||
      std::string_view(head.data() + kPreambleBytes, kMagic.size()) != kMagic) {
    return Fail(ErrorCode::kInvalidArgument, "not a DICOM Part 10 file");
  }
  FileMetaFacts facts;
  std::size_t at = kPreambleBytes + kMagic.size();
  while (at < head.size()) {
    if (head.size() - at < 8) return Malformed("truncated element header");
    if (ReadU16(head, at) != 0x0002) break;
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
    if (ReadU16(head, at + 2) == 0x0010) {  // Transfer Syntax UID, padded with NUL or space
      facts.transfer_syntax_uid =
          std::string(TrimRight(std::string_view(head.data() + at + header_length, value_length),
                                std::string_view(" \0", 2)));
    }
    at += header_length + static_cast<std::size_t>(value_length);
  }
  facts.data_set_offset = at;
  return facts;
}

}  // namespace tessera::dicom
