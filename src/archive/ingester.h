#pragma once

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
#include "archive/merger.h"
#include "base/clock.h"
#include "base/result.h"
#include "db/database.h"
#include "dicom/instance_reader.h"

namespace tessera::archive {

// The boundaries of the ingest protocol (see ingester.cpp), for crash tests.
enum class IngestStep {
  kFileSynced,       // the received file is on disk; it is not accepted
  kAccepted,         // the acceptance is durable: stored from here on; not acknowledged
  kMerging,          // acknowledged; the merger has not written the rows
  kCommitted,        // the merger committed the rows; the settler does not have them
  kHandedOver,       // the settler has them; a replaced instance's old blob remains
  kDeleteCommitted,  // Delete: rows removed and committed; files still there
};

// Test hook: returning true makes the archive stop right after `step` as if the
// process died there: nothing is cleaned up; a store stopped on its way fails
// with kUnavailable, and a stopped merger merges nothing more.
using CrashHook = std::function<bool(IngestStep)>;

// Stores received files durably (Archive::TryStoreAll). Concurrent calls share
// the syncs that make their data and their acceptance durable (group commit): the
// first caller in the queue does it for everyone queued behind it, the others
// wait for its result. The index rows follow in the merger's batches.
// Thread-safe.
class Ingester {
 public:
  Ingester(db::Database& db, const BlobStore& blobs, Garbage& garbage, const WriterSql& sql,
           DuplicatePolicy duplicates, const Clock& clock, CrashHook crash_hook,
           std::function<void(const IndexLag&)> on_index_lag,
           std::function<void(const DeferredFileError&)> on_deferred_file_error)
      : blobs_(blobs),
        duplicates_(duplicates),
        clock_(clock),
        crash_hook_(std::move(crash_hook)),
        merger_(
            db, blobs, garbage, sql, [this](IngestStep step) { return CrashAt(step); },
            std::move(on_index_lag), std::move(on_deferred_file_error)) {}
  Ingester(const Ingester&) = delete;
  Ingester& operator=(const Ingester&) = delete;

  // See Archive::TryStoreAll.
  std::vector<StoreAttempt> TryStoreAll(std::span<IncomingFile> files,
                                        std::string_view expected_study_uid);

  // Returns once the instances acknowledged so far are in the index. Errors: see
  // Merger::AwaitMerged.
  Status AwaitMerged() { return merger_.AwaitMerged(); }
  // The same for readers, who answer from the index as it is while it cannot be
  // written: see Merger::AwaitMergedOrLagging.
  Result<std::uint64_t> AwaitMergedOrLagging() { return merger_.AwaitMergedOrLagging(); }
  // See Merger::Lag.
  IndexLag Lag() { return merger_.Lag(); }
  // The same for a read or delete of `scope`: see Merger::AwaitMergedFor.
  Status AwaitMergedFor(const Scope& scope) { return merger_.AwaitMergedFor(scope); }

  // Returns once the instances acknowledged so far are in the index (or merges
  // are failing) and settled.
  void Settle() { merger_.Settle(); }

  // True when the hook asks to stop after `step`.
  bool CrashAt(IngestStep step) const { return crash_hook_ && crash_hook_(step); }

 private:
  struct Pending;
  struct Candidate;
  // Parses and checks `file`, then fsyncs it (`sync`) or starts writing it
  // back for the batch's sync. Returns nullopt when that decided it already
  // (`attempt.result` says how); fills in what was learnt either way.
  std::optional<Candidate> Prepare(IncomingFile file, std::string_view expected_study_uid,
                                   bool sync, StoreAttempt& attempt);
  // What a candidate's group commit decided; the files are the merger's, the
  // recovery's, or go with the IncomingFile.
  static Result<StoredInstance> Finish(Candidate& candidate);
  // Runs `mine` through group commits; returns when all of them are decided.
  void Submit(std::span<Pending* const> mine);
  // Commits the front of the queue. REQUIRES: `lock` holds mutex_ and the front
  // belongs to this caller.
  void LeadBatch(std::unique_lock<std::mutex>& lock);
  // The leader's work for a batch: outcomes, the data's sync, acceptance, its
  // fsync, links.
  void CommitBatch(std::span<Pending* const> batch);
  // Makes the data of `members`, which their callers did not fsync, durable;
  // refuses each one that fails.
  void SyncData(std::span<Pending* const> members);
  // Decides whether each instance is stored, replaces one or is kept out.
  void DecideOutcomes(std::span<Pending* const> batch);

  static constexpr std::size_t kMaxBatch = 256;

  const BlobStore& blobs_;
  const DuplicatePolicy duplicates_;
  const Clock& clock_;
  const CrashHook crash_hook_;

  std::mutex mutex_;
  std::deque<Pending*> queue_;  // the front one leads
  Merger merger_;
};

// The error a simulated crash reports.
Error SimulatedCrash(IngestStep step);

}  // namespace tessera::archive
