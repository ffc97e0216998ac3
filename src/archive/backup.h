#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "base/result.h"

namespace tessera::archive {

struct BackupReport {
  std::size_t instances = 0;  // in the backup's index
  std::size_t copied = 0;     // blobs copied this time
  std::uint64_t bytes_copied = 0;
  std::size_t removed = 0;  // blobs of instances deleted since the last backup
  // Instances acknowledged before the backup began whose index rows were still
  // missing from its snapshot (the server's index could not be written, or no
  // server ran to write them): left for a later backup.
  std::size_t unindexed = 0;
};

// Brings the archive in `backup_dir` up to date with the one in `data_dir`,
// which a server may be running on: a snapshot of the index as of one moment
// and every blob it names. The snapshot waits (a few seconds at most) for the
// running server to index every instance it had acknowledged when the backup
// began, so that those are in it (see BackupReport::unindexed). Blobs never
// change once stored, so a backup into the same folder copies only the new ones
// and removes those of deleted instances. The backup's index is replaced only
// once each of its blobs is durable there, so an interrupted backup leaves the
// previous one whole. `backup_dir` is itself a data folder (a server started on
// it serves the copy) and is locked like one meanwhile: a server running on it
// makes this fail with kUnavailable. Errors: kIo, kStorageFull, kNotFound (no
// index in `data_dir`), kUnavailable (as said, or instances kept being deleted
// while their blobs were copied: try again), SQLite's.
Result<BackupReport> BackUpArchive(const std::filesystem::path& data_dir,
                                   const std::filesystem::path& backup_dir);

}  // namespace tessera::archive
