#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "archive/blob_store.h"
#include "base/result.h"

namespace tessera::archive {

struct BackupReport {
  std::size_t instances = 0;  // in the backup's index
  std::size_t copied = 0;     // blobs copied this time
  std::uint64_t bytes_copied = 0;
  std::size_t removed = 0;  // files of instances deleted since, or left by a stopped run
  // Instances acknowledged before the backup began whose index rows were still
  // missing from its snapshot (the server's index could not be written, or no
  // server ran to write them): left for a later backup.
  std::size_t unindexed = 0;
  bool served = false;  // a server was running on the data folder
};

// A backup folder kept up to date with a data folder, which a server may be
// running on (it is only read). The backup is itself a data folder: a server
// started on it serves the copy.
//
// Each run copies a snapshot of the index as of one moment — taken once the
// running server has indexed what it had acknowledged when the run began — and
// every blob the snapshot names. Blobs never change once stored, so a run into
// the same folder copies only the new ones and removes those of deleted
// instances. The backup's index is replaced only once each of its blobs is
// durable there, so an interrupted run leaves the previous backup whole and the
// next run goes on from it.
//
// A marker file records which archive the backup is of (its archive id; the
// backup, a data folder, has its own) and which index it holds. A run refuses a
// folder that is neither empty nor such a backup, a backup of another archive,
// and one a server has written to since (stored or deleted instances): its
// files are no longer only copies, and replacing them would lose that work.
class ArchiveBackup {
 public:
  // Checks `backup_dir` as said, creates it when missing and locks it like a data
  // folder until the object is destroyed (what else the caller copies into it
  // meanwhile is covered too). Errors: kInvalidArgument (one folder is inside
  // the other or is the other, also through bind mounts; a folder that may not
  // be replaced); kUnavailable (a server or another backup has it); kNotFound
  // (no archive in `data_dir`, or none with an archive id yet); kIo.
  static Result<std::unique_ptr<ArchiveBackup>> Open(const std::filesystem::path& data_dir,
                                                     const std::filesystem::path& backup_dir);
  ArchiveBackup(const ArchiveBackup&) = delete;
  ArchiveBackup& operator=(const ArchiveBackup&) = delete;

  // Brings the index and the blobs up to date. Errors: kIo, kStorageFull,
  // kCorrupt (the data folder's index names a file that is missing),
  // kUnavailable (instances kept being deleted while their files were copied:
  // try again), SQLite's.
  Result<BackupReport> Run();

 private:
  ArchiveBackup() = default;
  Result<BackupReport> CopyRounds();

  std::filesystem::path data_dir_;
  std::filesystem::path backup_dir_;
  std::unique_ptr<BlobStore> backup_;          // holds the lock
  std::string source_id_;                      // the data folder's archive id
  std::vector<std::string> accepted_indexes_;  // index identities the marker allows
};

}  // namespace tessera::archive
