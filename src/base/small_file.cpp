#include "base/small_file.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace tessera {

static Status WriteAll(int fd, std::string_view bytes, const std::filesystem::path& file) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("write", file, errno);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok();
}

Status WriteFileAtomically(const std::filesystem::path& file, std::string_view contents,
                           mode_t mode) {
  // A fresh name each time: pid and counter alone repeat after a restart in a
  // container (same pid, same order of writes), where a crashed run's leftover
  // would make O_EXCL refuse the same write for good.
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t random = 0;
  (void)::getrandom(&random, sizeof(random), 0);  // the counter still separates on failure
  const auto temporary = file.parent_path() /
                         ("." + file.filename().string() + "." + std::to_string(::getpid()) + "." +
                          std::to_string(counter++) + "." + std::to_string(random) + ".tmp");
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) return FileError("create", temporary, errno);
  // O_CREAT applies the umask; the mode must hold exactly (0600 for secrets).
  auto status = ::fchmod(fd.get(), mode) == 0 ? WriteAll(fd.get(), contents, temporary)
                                              : Status(FileError("chmod", temporary, errno));
  if (status && ::fsync(fd.get()) != 0) status = FileError("fsync", temporary, errno);
  fd.Reset();
  if (status && ::rename(temporary.c_str(), file.c_str()) != 0)
    status = FileError("rename", file, errno);
  if (!status) {
    ::unlink(temporary.c_str());
    return status;
  }
  UniqueFd dir(::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid() || ::fsync(dir.get()) != 0) return FileError("fsync", file.parent_path(), errno);
  return Ok();
}

Result<std::string> ReadSmallFile(const std::filesystem::path& file, std::size_t max_bytes) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT)
    return Fail(ErrorCode::kNotFound, file.string() + " is missing");
  if (!fd.valid()) return FileError("open", file, errno);
  std::string contents;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("read", file, errno);
    if (n == 0) return contents;
    if (contents.size() + static_cast<std::size_t>(n) > max_bytes) {
      return Fail(ErrorCode::kTooLarge, file.string() + " is too large");
    }
    contents.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace tessera
