#include "dicomweb/file_streaming.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace tessera::dicomweb {

http::Awaitable<Status> StreamFile(http::BodyWriter& writer, const std::filesystem::path& file,
                                   std::uint64_t offset, std::uint64_t length,
                                   const std::function<void(std::string_view)>& observe) {
  constexpr std::size_t kPiece = 256 * 1024;
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    co_return Fail(ErrorCode::kIo,
                   "cannot open a stored file: " + std::string(std::strerror(errno)));
  }
  ::posix_fadvise(fd.get(), static_cast<off_t>(offset), static_cast<off_t>(length),
                  POSIX_FADV_SEQUENTIAL);
  std::vector<char> buffer(std::min<std::uint64_t>(kPiece, std::max<std::uint64_t>(length, 1)));
  while (length > 0) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length));
    const ssize_t got = ::pread(fd.get(), buffer.data(), want, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) co_return Fail(ErrorCode::kIo, "a stored file is shorter than indexed");
    const std::string_view piece(buffer.data(), static_cast<std::size_t>(got));
    if (observe) observe(piece);
    if (auto status = co_await writer.Write(piece); !status) co_return status;
    offset += static_cast<std::uint64_t>(got);
    length -= static_cast<std::uint64_t>(got);
  }
  co_return Ok();
}

}  // namespace tessera::dicomweb
