#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "archive/archive.h"
#include "archive/blob_store.h"
#include "archive/garbage.h"
#include "archive/instance_record.h"
#include "archive/parentage.h"
#include "archive/settler.h"
#include "base/result.h"
#include "db/database.h"

namespace tessera::archive {

enum class IngestStep;

// Writes accepted instances into the index, off the acknowledgement's path
// (ingester.cpp has the protocol). An instance is acknowledged once its file is
// durable under its accepted name; a background thread then writes the rows of
// everything accepted in the last kDelay in one transaction. One commit for
// hundreds of instances is what makes many small instances cheap: each new
// study touches a page in each of some forty B-trees, and a commit per request
// writes all of those pages to the WAL for one instance.
// Readers see every acknowledged instance because they wait for the merger first
// (unless merges are failing: AwaitMergedOrLagging).
// Thread-safe.
class Merger {
 public:
  static constexpr std::chrono::milliseconds kDelay{100};
  // A batch is merged at once when it reaches this size.
  static constexpr std::size_t kBatch = 1024;
  // Add waits while this many are queued: the index sets the pace, not memory.
  static constexpr std::size_t kMaxQueued = 8 * kBatch;

  struct Entry {
    BlobNumber blob = 0;
    InstanceRecord record;
    bool linked = true;  // false: its blob name could not be linked yet
    // A stored UID found at merge time is kept (DuplicatePolicy::kKeep).
    bool keep_existing = false;
  };
  // Returning true stops the merger after `step`, as if the process died there.
  using CrashCheck = std::function<bool(IngestStep)>;

  Merger(db::Database& db, const BlobStore& blobs, Garbage& garbage, const WriterSql& sql,
         CrashCheck crash, std::function<void(const IndexLag&)> on_lag,
         std::function<void(const DeferredFileError&)> on_deferred_file_error);
  // Merges and settles everything queued, then stops the thread.
  ~Merger();
  Merger(const Merger&) = delete;
  Merger& operator=(const Merger&) = delete;

  // Sets the fields of `known` that are unset from the queue, then from the
  // index (parentage.h). Only as current as the last Add: the caller keeps its
  // own batch in mind.
  Status FillParents(const InstanceRecord& record, KnownParents& known);

  // Whether more instances may be accepted: not while merges fail and the queue
  // has grown past half of kMaxQueued, where Add would soon block every store.
  // Errors: the last merge's.
  Status Room();

  // Queues accepted instances in the order they are to be written; `folders`
  // holds their blob names' folders. REQUIRES: their data is durable and their
  // accepted names exist.
  void Add(std::vector<Entry> entries, const DirectorySyncSet& folders);

  // Returns once everything added before the call is in the index. While merges
  // fail (the entries stay queued and are tried again every second) it does not
  // wait for them. Errors: the last merge's, when merges are failing or one
  // failed while this call waited; kUnavailable after a simulated crash.
  Status AwaitMerged();

  // AwaitMerged for a query, which answers from the index as it is while merges
  // fail: the number of added entries not in the index then, else 0. Errors:
  // kUnavailable after a simulated crash.
  Result<std::uint64_t> AwaitMergedOrLagging();

  // AwaitMerged for a read or delete of `scope`, which goes ahead while merges
  // fail unless an entry not in the index may belong to the scope. Errors:
  // kUnavailable for such a scope (it would be read or deleted in part), or
  // after a simulated crash.
  Status AwaitMergedFor(const Scope& scope);

  // AwaitMerged, then waits until the merged instances' blob names are durable
  // and their accepted names gone.
  void Settle();

  // Where the index stands now: behind while merges fail (what on_lag reports).
  IndexLag Lag();

 private:
  // One transaction for `batch`; hands the stored ones to the settler and
  // disposes of the blobs they replaced (a failure there goes to
  // on_file_error_ only). Sets `crashed_` on a simulated crash.
  Status MergeBatch(const std::vector<Entry>& batch, const DirectorySyncSet& folders);
  // Waits for the entries added before the call; while merges fail, returns the
  // number not merged if `tolerate` says the lag is acceptable, else fails.
  Result<std::uint64_t> Await(const std::function<Status()>& tolerate);
  void Run();
  // Calls on_lag_ without holding `lock`, which holds mutex_.
  void Report(std::unique_lock<std::mutex>& lock, const IndexLag& lag);

  db::Database& db_;
  const BlobStore& blobs_;
  Garbage& garbage_;
  const WriterSql& sql_;
  const CrashCheck crash_;
  const std::function<void(const IndexLag&)> on_lag_;
  // Before settler_, which gets a copy of it.
  const std::function<void(const DeferredFileError&)> on_file_error_;  // may be empty
  Settler settler_;

  std::mutex mutex_;
  std::condition_variable work_;    // queued, hurry, or stop
  std::condition_variable merged_;  // merged_count_ or failures_ moved, or room in the queue
  std::deque<Entry> queue_;
  DirectorySyncSet folders_;  // of the queued entries
  InFlightParents queued_;    // the UIDs of the queue and of the batch being merged
  std::uint64_t added_count_ = 0;   // entries added so far
  std::uint64_t merged_count_ = 0;  // of which this many are in the index
  std::uint64_t failures_ = 0;      // failed merges so far
  Status last_failure_;
  bool failing_ = false;  // the last merge failed
  bool hurry_ = false;
  bool stopping_ = false;
  bool crashed_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace tessera::archive
