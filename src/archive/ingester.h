#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "archive/archive.h"
#include "archive/blob_store.h"
#include "archive/garbage.h"
#include "archive/index_writer.h"
#include "archive/settler.h"
#include "base/clock.h"
#include "base/result.h"
#include "db/database.h"
#include "dicom/instance_reader.h"

namespace tessera::archive {

// The boundaries of the ingest protocol (see ingester.cpp), for crash tests.
enum class IngestStep {
  kFileSynced,       // the received file and its name are on disk
  kLinked,           // the blob name exists; the index is not written
  kCommitted,        // the index is committed; the settler does not have it yet
  kHandedOver,       // the settler has it; a replaced instance's old blob remains
  kDeleteCommitted,  // Delete: rows removed and committed; files still there
};

// Test hook: returning true makes the archive stop right after `step` as if the
// process died there (nothing is cleaned up; the call fails with kUnavailable).
using CrashHook = std::function<bool(IngestStep)>;

// Stores received files durably (Archive::TryStoreAll). Concurrent calls share
// the incoming/ fsync, one index transaction and its WAL fsync (group commit):
// the first caller in the queue does them for everyone queued behind it, the
// others wait for its result. Thread-safe.
class Ingester {
 public:
  Ingester(db::Database& db, const BlobStore& blobs, Garbage& garbage, const WriterSql& sql,
           DuplicatePolicy duplicates, const Clock& clock, CrashHook crash_hook)
      : db_(db),
        blobs_(blobs),
        garbage_(garbage),
        sql_(sql),
        duplicates_(duplicates),
        clock_(clock),
        crash_hook_(std::move(crash_hook)),
        settler_(blobs) {}
  Ingester(const Ingester&) = delete;
  Ingester& operator=(const Ingester&) = delete;

  // See Archive::TryStoreAll.
  std::vector<StoreAttempt> TryStoreAll(std::span<IncomingFile> files,
                                        std::string_view expected_study_uid);

  // Returns once the instances acknowledged so far are settled (Settler).
  void Settle() { settler_.SettleNow(); }

  // True when the hook asks to stop after `step`.
  bool CrashAt(IngestStep step) const { return crash_hook_ && crash_hook_(step); }

 private:
  struct Pending;
  struct Candidate;
  // Parses, checks and fsyncs `file`. Returns nullopt when that decided it
  // already (`attempt.result` says how); fills in what was learnt either way.
  std::optional<Candidate> Prepare(IncomingFile file, std::string_view expected_study_uid,
                                   StoreAttempt& attempt);
  // What a candidate's group commit decided, with the files tidied accordingly;
  // adds the blob an instance replaced to `replaced`.
  Result<StoredInstance> Finish(Candidate& candidate, std::vector<BlobNumber>& replaced);
  // Runs `mine` through group commits; returns when all of them are decided.
  void Submit(std::span<Pending* const> mine);
  // Commits the front of the queue. REQUIRES: `lock` holds mutex_ and the front
  // belongs to this caller.
  void LeadBatch(std::unique_lock<std::mutex>& lock);
  // The leader's work for a batch: incoming/ fsync, links, index rows, commit.
  void CommitBatch(std::span<Pending* const> batch);
  // Writes one instance's rows, inside a savepoint.
  Status StoreOne(db::Connection& connection, IndexWriter& writer, Pending& pending);
  // Durably removes the blob name of an instance that is not stored after all.
  Status UndoLink(BlobNumber blob) const;

  static constexpr std::size_t kMaxBatch = 256;

  db::Database& db_;
  const BlobStore& blobs_;
  Garbage& garbage_;
  const WriterSql& sql_;
  const DuplicatePolicy duplicates_;
  const Clock& clock_;
  const CrashHook crash_hook_;

  std::mutex mutex_;
  std::condition_variable decided_;
  std::deque<Pending*> queue_;  // the front one leads
  Settler settler_;
};

// The error a simulated crash reports.
Error SimulatedCrash(IngestStep step);

}  // namespace tessera::archive
