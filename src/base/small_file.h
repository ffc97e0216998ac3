#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "base/result.h"

namespace tessera {

// Whole small files (keys, passwords, settings, certificates): written so that
// a crash leaves the old or the new one, read in one go.

// Replaces `file` with `contents` so that readers see the old or the new file,
// never a mix, and a power loss keeps the new one once this returns: a
// temporary file in the same folder, created with exactly `mode`, written,
// fsynced and renamed over `file`, then the folder fsynced. Errors: kIo.
Status WriteFileAtomically(const std::filesystem::path& file, std::string_view contents,
                           mode_t mode);

// Reads a small file whole (at most `max_bytes`). Errors: kNotFound, kIo, kTooLarge.
Result<std::string> ReadSmallFile(const std::filesystem::path& file,
                                  std::size_t max_bytes = std::size_t{1} << 20);

}  // namespace tessera
