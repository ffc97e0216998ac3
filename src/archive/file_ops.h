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

// syncfs(2) on the file system that holds `fd`: writes out everything written
// to it so far — every file's data and every name, whoever wrote them. Two
// limits: a write error anywhere on that file system is reported once per
// open file description, so through `fd` maybe to another caller than the one
// whose file it hit (check a file's own errors with WaitForWriteback); and
// ext4 without a journal writes the inodes after its flush of the device, so
// they are durable only after one more flush (an fsync). Errors: kIo.
Status SyncFileSystem(int fd, const std::filesystem::path& what);

// Writes out the pages of `fd` not written yet, waits for them, and reports
// this file's own write errors (sync_file_range(2)); no flush of the device:
// the data is on it, not necessarily durable. Errors: kIo.
Status WaitForWriteback(int fd, const std::filesystem::path& what);

// Asks the kernel to drop the file's clean pages from the page cache; for a
// received file once written out. Left there, a stream of received instances
// evicts the index and the studies being viewed, and once memory is full every
// new page must first be reclaimed: five times the system time per byte
// received (RESULTS.md). A viewer opening a new study reads it from the disk.
// Advisory: failures are ignored.
void DropCachedPages(int fd);

// Opens `dir`, fsyncs it and closes it. Errors: kIo.
Status SyncDirectory(const std::filesystem::path& dir);

// mkdir(2) that succeeds when the directory already exists. Returns true when it
// created the directory (the caller must then fsync the parent). Errors: kIo.
Result<bool> MakeDirectory(const std::filesystem::path& dir);

// unlink(2) that succeeds when the file is already gone. Errors: kIo.
Status RemoveFile(const std::filesystem::path& file);

}  // namespace tessera::archive
