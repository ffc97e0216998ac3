#pragma once

#include <cstdint>
#include <filesystem>

#include "base/result.h"

namespace tessera::archive {

// The free space an archive keeps on the file system of its data folder. Stores
// are refused once taking more would leave less than the floor, so that a busy
// modality can never fill the disk: the index's log, deletes (which free space)
// and a restart need room of their own, and on a disk with none the server
// would not even start to serve what it holds. Thread-safe.
class FreeSpaceFloor {
 public:
  // `dir_fd` is any open folder on that file system, borrowed for the object's
  // life. A floor of 0 keeps nothing back: only a full disk refuses a store.
  FreeSpaceFloor(int dir_fd, std::filesystem::path dir, std::uint64_t floor_bytes)
      : dir_fd_(dir_fd), dir_(std::move(dir)), floor_bytes_(floor_bytes) {}

  std::uint64_t floor_bytes() const { return floor_bytes_; }

  // The bytes an unprivileged writer can still use there. Errors: kIo.
  Result<std::uint64_t> Available() const;

  // Ok while writing `more` bytes would leave at least the floor free.
  // Errors: kStorageFull below it (its message says how much is free and kept);
  // kIo when the file system cannot be asked.
  Status Check(std::uint64_t more = 0) const;

 private:
  int dir_fd_;
  std::filesystem::path dir_;
  std::uint64_t floor_bytes_;
};

}  // namespace tessera::archive
