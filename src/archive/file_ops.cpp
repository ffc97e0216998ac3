#include "archive/file_ops.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::archive {

Result<UniqueFd> OpenDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError("open", dir, errno);
  return UniqueFd(fd);
}

Status SyncFd(int fd, const std::filesystem::path& what) {
  if (::fsync(fd) != 0) return FileError("fsync", what, errno);
  return Ok();
}

Status SyncFileSystem(int fd, const std::filesystem::path& what) {
  if (::syncfs(fd) != 0) return FileError("syncfs", what, errno);
  return Ok();
}

Status WaitForWriteback(int fd, const std::filesystem::path& what) {
  constexpr unsigned kWriteAndWait =
      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
  if (::sync_file_range(fd, 0, 0, kWriteAndWait) != 0) {
    return FileError("sync_file_range", what, errno);
  }
  return Ok();
}

void DropCachedPages(int fd) { (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); }

Status SyncDirectory(const std::filesystem::path& dir) {
  auto fd = OpenDirectory(dir);
  if (!fd) return std::move(fd).error();
  return SyncFd(fd->get(), dir);
}

Result<bool> MakeDirectory(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0750) == 0) return true;
  if (errno == EEXIST) return false;
  return FileError("mkdir", dir, errno);
}

Status RemoveFile(const std::filesystem::path& file) {
  if (::unlink(file.c_str()) == 0 || errno == ENOENT) return Ok();
  return FileError("unlink", file, errno);
}

}  // namespace tessera::archive
