#pragma once

#include <cstdint>
#include <span>

#include <sys/types.h>

namespace tessera {

// POSIX-level, so errno rather than Result: callers word their own errors.
// Reads into `buffer` from byte `offset` of `fd` until the buffer is full or the
// file ends, going on after interrupted and short reads. Returns the number of
// bytes read (less than buffer.size() only at the end of the file), or -1 with
// errno set.
ssize_t ReadFullyAt(int fd, std::span<char> buffer, std::uint64_t offset);

}  // namespace tessera
