#pragma once

#include <filesystem>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace tessera::archive {

// Thin POSIX file-system calls that report failures as Error{kIo} naming the
// operation and path. They exist so that the durability protocol reads as a list
// of steps. All functions are thread-safe.

// Opens a directory for fsync/flock. Errors: kIo.
Result<UniqueFd> OpenDirectory(const std::filesystem::path& dir);

// fsync(2) on an open file or directory. Errors: kIo.
Status SyncFd(int fd, const std::filesystem::path& what);

// syncfs(2) on the file system that holds `fd`: everything written to it so
// far — every file's data and every name, whoever wrote them — reaches the
// disk, with one flush of the device. Errors: kIo, also for a writeback error
// anywhere on that file system since `fd` was opened or last synced.
Status SyncFileSystem(int fd, const std::filesystem::path& what);

// Opens `dir`, fsyncs it and closes it. Errors: kIo.
Status SyncDirectory(const std::filesystem::path& dir);

// mkdir(2) that succeeds when the directory already exists. Returns true when it
// created the directory (the caller must then fsync the parent). Errors: kIo.
Result<bool> MakeDirectory(const std::filesystem::path& dir);

// unlink(2) that succeeds when the file is already gone. Errors: kIo.
Status RemoveFile(const std::filesystem::path& file);

}  // namespace tessera::archive
