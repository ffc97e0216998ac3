#pragma once

#include <cstdint>
#include <filesystem>

#include "base/result.h"
#include "http/response.h"

namespace tessera::dicomweb {

// Writes `length` bytes of `file` from `offset` to `writer` in 256 KiB pieces,
// passing each piece to `observe` first (e.g. a ZIP CRC). Reads are from the
// page cache in the common case, so they stay on the session's thread.
// Errors: kIo when the file can't be read or is shorter than expected; the
// writer's error when the client went away.
http::Awaitable<Status> StreamFile(http::BodyWriter& writer, const std::filesystem::path& file,
                                   std::uint64_t offset, std::uint64_t length,
                                   const std::function<void(std::string_view)>& observe = {});

}  // namespace tessera::dicomweb
