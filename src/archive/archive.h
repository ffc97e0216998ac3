#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "archive/query.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace tessera::archive {

class FreeSpaceFloor;

enum class DuplicatePolicy {
  kReplace,  // a re-sent SOP Instance UID replaces the stored instance
  kKeep,     // the first one stays; the re-sent one is acknowledged, not stored
};

// What the background index writer reports, from its own thread: that writing
// the index rows failed (a full disk, say) — the acknowledged instances are safe
// under their incoming names meanwhile, and the write is tried again every
// second — and, after such failures, that it has caught up.
struct IndexLag {
  bool behind = false;        // false: caught up again
  std::uint64_t waiting = 0;  // acknowledged instances not in the index (when behind)
  std::string error;          // why the last write failed (when behind)
};

// File work that failed after an acknowledgement or a committed delete, and
// was left for later: nothing stored is lost, but the disk is failing.
struct DeferredFileError {
  std::string_view what;  // what was left undone and until when (a fixed text)
  Error error;            // why
};

struct ArchiveOptions {
  std::filesystem::path data_dir;  // holds index.db, blobs/, incoming/
  DuplicatePolicy duplicates = DuplicatePolicy::kReplace;
  bool case_insensitive_names = true;  // PN matching
  // The most matches one query answer holds (a query asking for more gets the
  // first ones, and is told); 0: no maximum. Bounds the memory an unpaged query
  // of a large archive takes.
  std::size_t max_query_results = 0;
  std::size_t db_readers = 4;
  // Free space kept on the data folder's file system: stores are refused with
  // kStorageFull once less would be left (see FreeSpaceFloor); 0: none.
  std::uint64_t min_free_bytes = 0;
  std::function<void(const IndexLag&)> on_index_lag = nullptr;  // optional; must not block
  // Told of each DeferredFileError: stored instances' blob names not made
  // durable, the files of replaced or deleted ones not removed. Optional; called
  // from the archive's threads and Delete's callers, maybe at once; must not
  // block.
  std::function<void(const DeferredFileError&)> on_deferred_file_error = nullptr;
};

// A file being received into <data>/incoming/. Write the bytes as they arrive
// (no fsync; the kernel starts writing full chunks back early), then hand it to
// Archive::Store. If it is never stored, the destructor deletes it. Move-only;
// not thread-safe.
class IncomingFile {
 public:
  // `floor`, when given, is checked as the file grows (see Write); it must
  // outlive the file.
  IncomingFile(std::filesystem::path path, UniqueFd fd, const FreeSpaceFloor* floor = nullptr)
      : path_(std::move(path)), fd_(std::move(fd)), floor_(floor) {}
  IncomingFile(IncomingFile&& other) noexcept;
  // Deletes the file this object held before taking over `other`'s.
  IncomingFile& operator=(IncomingFile&& other) noexcept;
  ~IncomingFile();

  // Appends `bytes`. Errors: kIo; kStorageFull for a full disk, or when the
  // file reaches another 64 MiB that would not fit above the floor (so one huge
  // upload cannot take the room the floor keeps; uploads at the same time may
  // each take up to 64 MiB of it).
  Status Write(std::span<const char> bytes);
  std::uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_.get(); }
  // Closes the descriptor once every byte is written; the file stays, and
  // Archive::Store reopens it. Lets a request with thousands of parts keep them
  // without a descriptor each.
  void CloseDescriptor() { fd_.Reset(); }
  // Starts writing back every byte Write has not handed to the kernel yet (the
  // last partial chunk), without waiting, so that the sync that makes the file
  // durable finds it on its way. Advisory. REQUIRES: the descriptor is open.
  void StartWritebackOfAll();
  // Opens the file again (read-only) after CloseDescriptor. Errors: kIo.
  Status Reopen();
  // What the sender declared the object to be (a C-STORE request's Affected SOP
  // Class and Instance UIDs). Store refuses a data set that says otherwise, so
  // that the sender is never told it stored one instance when it sent another.
  void Declare(std::string sop_class_uid, std::string sop_instance_uid) {
    declared_sop_class_uid_ = std::move(sop_class_uid);
    declared_sop_instance_uid_ = std::move(sop_instance_uid);
  }
  const std::string& declared_sop_class_uid() const { return declared_sop_class_uid_; }
  const std::string& declared_sop_instance_uid() const { return declared_sop_instance_uid_; }
  // The sender may add instances but not replace stored ones: a stored SOP
  // Instance UID is kept out as under DuplicatePolicy::kKeep, whatever the
  // archive's policy (unknown DICOM callers).
  void KeepExisting() { keep_existing_ = true; }
  bool keeps_existing() const { return keep_existing_; }
  // The archive took the file over; the destructor leaves it alone.
  void Release() {
    path_.clear();
    fd_.Reset();
  }

 private:
  void Discard();
  void StartWriteback();

  std::filesystem::path path_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;
  std::uint64_t written_back_ = 0;  // bytes handed to StartWriteback's sync_file_range
  const FreeSpaceFloor* floor_ = nullptr;
  std::string declared_sop_class_uid_;     // empty: nothing declared
  std::string declared_sop_instance_uid_;  // empty: nothing declared
  bool keep_existing_ = false;
};

enum class StoreOutcome {
  kStored,    // new instance
  kReplaced,  // replaced an instance with the same SOP Instance UID
  kKept,      // DuplicatePolicy::kKeep: an instance with this UID was already stored
};

struct StoredInstance {
  StoreOutcome outcome = StoreOutcome::kStored;
  std::string study_uid;
  std::string series_uid;
  std::string sop_instance_uid;
  std::string sop_class_uid;
};

// Store's result together with what was learnt of the object even when it was
// refused: its SOP Class and Instance UIDs, once the file parsed (STOW-RS
// reports them for failed instances too).
struct StoreAttempt {
  Result<StoredInstance> result = Fail(ErrorCode::kInternal, "not attempted");
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

// Narrows retrieval and deletion: a study, a series of it, or one instance.
// Lower levels require the higher ones.
struct Scope {
  std::string study_uid;
  std::string series_uid;        // empty: the whole study
  std::string sop_instance_uid;  // empty: the whole series
};

// A stored instance's file and the facts needed to serve it without parsing it.
struct InstanceRef {
  std::string study_uid;
  std::string series_uid;
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string transfer_syntax_uid;
  std::filesystem::path path;  // the Part 10 file exactly as received
  std::uint64_t size = 0;
  std::uint32_t number_of_frames = 0;
};

// What opening the archive found left in incoming/ by a run that did not stop
// cleanly (all zero otherwise), for the start-up log.
struct RecoveryReport {
  std::size_t indexed = 0;  // stored instances whose index rows were missing: written now
  std::size_t settled = 0;  // indexed instances whose file names were not final yet
  std::size_t removed = 0;  // files of instances not stored: never accepted, kept out as
                            // duplicates, or replaced or deleted since
};

// DICOM JSON metadata for a scope, as a JSON array text, plus a validator that
// changes whenever the scope's content changes.
struct MetadataDocument {
  std::string json;  // "[{...},{...}]"
  std::string etag;  // quoted, e.g. "\"s12-r7\""
};

// The archive: durable storage of DICOM instances and their index. All methods
// block (disk, SQLite, DCMTK); call them from the blocking pool. Thread-safe.
class Archive {
 public:
  // The stored metadata's BulkDataURIs read "<marker>studies/<s>/series/<r>/
  // instances/<i>/bulkdata/<tag path>"; handlers replace the marker by their
  // DICOMweb root (with a trailing '/') when serving.
  static constexpr std::string_view kBulkDataMarker = "tessera-bulk:";

  // Opens (creating) the archive in options.data_dir: applies index migrations,
  // finishes or removes whatever an interrupted ingest left in incoming/.
  // Errors: kIo, kCorrupt.
  static Result<std::unique_ptr<Archive>> Open(const ArchiveOptions& options);
  virtual ~Archive() = default;

  // A new empty file in incoming/. Errors: kIo; kStorageFull when the free
  // space is under ArchiveOptions::min_free_bytes.
  virtual Result<IncomingFile> NewIncomingFile() = 0;

  // Ok while stores are taken: the data folder's file system has more free
  // space than the floor (with no floor, any). Errors: kStorageFull (saying
  // how much is free and kept), kIo.
  virtual Status CheckRoom() const = 0;

  // Whether the index is behind (see IndexLag), as on_index_lag last said.
  virtual IndexLag IndexState() const = 0;

  // When the last DeferredFileError happened (see on_deferred_file_error);
  // nullopt when none has since Open.
  virtual std::optional<std::chrono::system_clock::time_point> LastDeferredFileError() const = 0;

  // Parses each file, fsyncs it, moves it into the blob store and commits its
  // index rows; returns only once the stored instances survive a crash. The
  // files share one group commit (and with it the flushes), so a request's
  // instances should come in one call. If `expected_study_uid` is not empty the
  // instances must belong to that study. One attempt per file, in order; errors:
  // kInvalidArgument (not DICOM, truncated, missing/invalid UIDs, UIDs other
  // than the file declared: IncomingFile::Declare), kConflict
  // (study UID differs from `expected_study_uid`; the instance would move a
  // stored series to another study or a stored study to another patient; or an
  // earlier file of the call has its SOP Instance UID), kIo.
  virtual std::vector<StoreAttempt> TryStoreAll(std::span<IncomingFile> files,
                                                std::string_view expected_study_uid) = 0;
  // TryStoreAll for one file.
  StoreAttempt TryStore(IncomingFile file, std::string_view expected_study_uid) {
    return std::move(TryStoreAll(std::span<IncomingFile>(&file, 1), expected_study_uid)[0]);
  }
  // TryStore's result alone.
  Result<StoredInstance> Store(IncomingFile file, std::string_view expected_study_uid) {
    return TryStore(std::move(file), expected_study_uid).result;
  }

  // Reads and deletes go ahead on the index as it is while it cannot be written
  // (see IndexLag): the instances acknowledged since are missing until it
  // catches up. A query's `unindexed` counts them; a read or delete of a scope
  // that one of them may belong to fails with kUnavailable meanwhile.

  // Runs a QIDO-RS / C-FIND query. Errors: kInvalidArgument (an attribute that
  // cannot be matched at that level, a malformed range or UID list).
  virtual Result<QueryResult> Find(const Query& query) const = 0;
  // Find's matches as JSON text: what a large answer should forward.
  virtual Result<QueryTextResult> FindText(const Query& query) const = 0;

  // The instances in `scope`, ordered by series number, instance number, UID.
  // Errors: kNotFound when the scope names something not stored.
  virtual Result<std::vector<InstanceRef>> Instances(const Scope& scope) const = 0;

  // The stored metadata of every instance in `scope`. Errors: kNotFound.
  virtual Result<MetadataDocument> Metadata(const Scope& scope) const = 0;

  // Deletes the scope's index rows (updating the counts) and then its files.
  // Once the rows are gone the scope is deleted: files that cannot be removed
  // go to on_deferred_file_error, and the next removal retries them (the next
  // start at the latest). Errors:
  // kNotFound, kIo, kStorageFull, kUnavailable (see above).
  virtual Status Delete(const Scope& scope) = 0;

  // What Open's recovery did.
  virtual const RecoveryReport& recovery() const = 0;
};

}  // namespace tessera::archive
