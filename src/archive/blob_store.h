#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string_view>

#include "archive/archive.h"
#include "archive/free_space.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace tessera::archive {

// A blob number names one stored file for good: it is also the instance's row id
// in the index, and numbers are never reused.
using BlobNumber = std::int64_t;

// Directories whose entries changed and must be fsynced before a commit may rely
// on them. Collects each directory once, however many files changed in it.
class DirectorySyncSet {
 public:
  void Add(std::filesystem::path dir) { dirs_.insert(std::move(dir)); }
  void Add(const DirectorySyncSet& other) { dirs_.insert(other.dirs_.begin(), other.dirs_.end()); }
  bool empty() const { return dirs_.empty(); }
  // fsyncs every directory, children before parents. Errors: kIo.
  Status Sync() const;

 private:
  std::set<std::filesystem::path> dirs_;
};

// The files of the archive: <data>/incoming/<n>.part while an instance is being
// received, <data>/incoming/<n>.accepted once the archive has taken it (until
// its index rows are committed and its blob name is durable), and
// <data>/blobs/<n >> 24>/<(n >> 12) & 0xfff>/<n>.dcm once stored (numbers in hex). Consecutive
// numbers share a folder, so a folder holds at most 4096 files and most batches touch a single
// folder. Holds an exclusive flock on incoming/ so that a second process cannot open (and
// "recover") the same data folder. Thread-safe.
class BlobStore {
 public:
  // True when a BlobStore (a server, a backup being written) has `data_dir` open,
  // in this process or another.
  static bool InUse(const std::filesystem::path& data_dir);

  // The data folder's archive id: random, made by the first Open, kept for
  // good (and by backups), so that a backup can tell the archive it copies
  // whatever path or disk reaches it. Errors: kNotFound (never opened by this
  // version), kIo.
  static Result<std::string> ArchiveId(const std::filesystem::path& data_dir);

  // Creates data_dir, blobs/, incoming/ and the archive id when missing and
  // locks the data folder.
  // New incoming files keep `min_free_bytes` free on its file system (see
  // FreeSpaceFloor). Errors: kIo; kUnavailable when another process has it open.
  static Result<std::unique_ptr<BlobStore>> Open(const std::filesystem::path& data_dir,
                                                 std::uint64_t min_free_bytes = 0);
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;

  const std::filesystem::path& incoming_dir() const { return incoming_dir_; }
  const std::filesystem::path& blobs_dir() const { return blobs_dir_; }

  std::filesystem::path BlobPath(BlobNumber number) const { return BlobPathIn(blobs_dir_, number); }
  // Where blob `number` is kept under a data folder's blobs/ folder: for reading
  // another data folder without opening (and locking) it.
  static std::filesystem::path BlobPathIn(const std::filesystem::path& blobs_dir,
                                          BlobNumber number);
  // The number of a blob's file name ("1a2b.dcm"); nullopt for any other name.
  static std::optional<BlobNumber> ParseBlobName(std::string_view file_name);
  std::filesystem::path IncomingPath(BlobNumber number) const;
  std::filesystem::path AcceptedPath(BlobNumber number) const;

  // What a name in incoming/ stands for; nullopt for a foreign name.
  struct IncomingName {
    BlobNumber number = 0;
    bool accepted = false;  // <n>.accepted rather than <n>.part
  };
  static std::optional<IncomingName> ParseIncomingName(std::string_view file_name);
  // The number of `path` when it is one of this store's files being received.
  std::optional<BlobNumber> IncomingNumber(const std::filesystem::path& path) const;

  // Numbers below `next` are taken. REQUIRES: called before NewIncoming.
  void SetNextNumber(BlobNumber next) { next_number_.store(next); }

  // Creates an empty incoming file under a fresh number. Errors: kIo;
  // kStorageFull when the free space is under the floor.
  Result<IncomingFile> NewIncoming();

  const FreeSpaceFloor& floor() const { return *floor_; }

  // Renames the received file <n>.part to <n>.accepted; SyncIncomingDir makes
  // that durable. Errors: kIo.
  Status Accept(BlobNumber number) const;

  // Gives the accepted file its final name (a second hard link), creating the
  // folders as needed. Adds the folders that changed to `dirs`. Errors: kIo.
  Status LinkAccepted(BlobNumber number, DirectorySyncSet& dirs) const;

  // Linking for start-up recovery, from the incoming name `source`: a blob name
  // that already exists is the one sought (numbers are never reused); its folder
  // is added all the same, since the link may not be durable yet. Errors: kIo.
  Status RestoreLink(BlobNumber number, const std::filesystem::path& source,
                     DirectorySyncSet& dirs) const;

  // fsyncs incoming/, making every incoming name created so far durable.
  Status SyncIncomingDir() const;

  // Writes out every file written into the data folder so far, its data and
  // its names: a sync of the whole file system that holds it, with the limits
  // SyncFileSystem (file_ops.h) states. It also waits for anything else
  // written to that file system meanwhile. Errors: kIo.
  Status SyncFileSystem() const;

  // For a received file <n>.part after SyncFileSystem: waits until its pages
  // are written, reports this file's own write errors (which SyncFileSystem
  // may have reported to another caller), and drops its pages from the page
  // cache. Errors: kIo.
  Status ConfirmWriteback(BlobNumber number) const;

  // Unlinks the blobs (missing ones are fine) and adds their folders to `dirs`.
  Status RemoveBlobs(std::span<const BlobNumber> numbers, DirectorySyncSet& dirs) const;

  // Removes every name of the blobs, durably: their blob names (folders
  // fsynced), then any accepted names left (incoming/ fsynced). An accepted name
  // that outlived its blob would be stored again by the start-up recovery.
  // Missing names are fine. Errors: kIo.
  Status RemoveDurably(std::span<const BlobNumber> numbers) const;

 private:
  BlobStore() = default;
  Status Link(const std::filesystem::path& source, BlobNumber number, DirectorySyncSet& dirs,
              bool existing_is_fine) const;

  std::filesystem::path blobs_dir_;
  std::filesystem::path incoming_dir_;
  UniqueFd incoming_fd_;  // fsynced for new entries; holds the flock
  std::unique_ptr<FreeSpaceFloor> floor_;  // asks the file system through incoming_fd_
  std::atomic<BlobNumber> next_number_{1};
};

}  // namespace tessera::archive
