#include "base/file_io.h"

#include <cerrno>

#include <unistd.h>

namespace tessera {

ssize_t ReadFullyAt(int fd, std::span<char> buffer, std::uint64_t offset) {
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    const ssize_t n = ::pread(fd, buffer.data() + filled, buffer.size() - filled,
                              static_cast<off_t>(offset + filled));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(filled);
}

}  // namespace tessera
