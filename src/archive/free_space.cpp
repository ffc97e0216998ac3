#include "archive/free_space.h"

#include <cerrno>
#include <string>

#include <sys/statvfs.h>

#include "archive/file_ops.h"
#include "base/strings.h"

namespace tessera::archive {

Result<std::uint64_t> FreeSpaceFloor::Available() const {
  struct statvfs stats {};
  if (::fstatvfs(dir_fd_, &stats) != 0) return FileError("statvfs", dir_, errno);
  return std::uint64_t{stats.f_bavail} * std::uint64_t{stats.f_frsize};
}

Status FreeSpaceFloor::Check(std::uint64_t more) const {
  if (floor_bytes_ == 0 && more == 0) return Ok();  // the write itself reports a full disk
  auto available = Available();
  if (!available) return std::move(available).error();
  if (*available >= floor_bytes_ && *available - floor_bytes_ >= more) return Ok();
  return Fail(ErrorCode::kStorageFull,
              "the data folder's file system has " + HumanBytes(*available) +
                  " free; stores are refused below the " + HumanBytes(floor_bytes_) +
                  " kept free (archive.min_free_mib) for the index, deletes and restarts");
}

}  // namespace tessera::archive
