#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera::dicomweb {

struct ZipLimits {
  std::uint64_t max_expanded_bytes = 64ull << 30;  // sum of entry sizes (zip bombs)
  std::uint64_t max_entries = 1'000'000;
};

// Receives one file entry of a zip archive: its name, then its bytes in pieces.
class ZipEntrySink {
 public:
  virtual ~ZipEntrySink() = default;
  // Return false to skip the entry.
  virtual bool Begin(std::string_view name, std::uint64_t size) = 0;
  virtual Status Data(std::span<const char> bytes) = 0;
  // `status` is the entry's read result; the sink records it per entry.
  virtual void End(Status status) = 0;
};

// Reads every file entry of the zip at `path` (directories, macOS "__MACOSX/"
// and "._" resource forks are skipped) with libzip. Blocks. Errors:
// kInvalidArgument when the file is not a readable zip, kTooLarge past `limits`
// (judged from the directory before any entry reaches `sink`).
Status ReadZip(const std::filesystem::path& path, const ZipLimits& limits, ZipEntrySink& sink);

// True when `bytes` start like a zip archive ("PK\x03\x04").
bool LooksLikeZip(std::span<const char> bytes);

}  // namespace tessera::dicomweb
