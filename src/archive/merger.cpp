#include "archive/merger.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "archive/index_writer.h"
#include "archive/ingester.h"

namespace tessera::archive {

Merger::Merger(db::Database& db, const BlobStore& blobs, Garbage& garbage, const WriterSql& sql,
               CrashCheck crash, std::function<void(const IndexLag&)> on_lag,
               std::function<void(const DeferredFileError&)> on_deferred_file_error)
    : db_(db),
      blobs_(blobs),
      garbage_(garbage),
      sql_(sql),
      crash_(std::move(crash)),
      on_lag_(std::move(on_lag)),
      on_file_error_(std::move(on_deferred_file_error)),
      settler_(blobs, on_file_error_),
      thread_([this] { Run(); }) {}

Merger::~Merger() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_one();
  thread_.join();
}

Status Merger::FillParents(const InstanceRecord& record, KnownParents& known) {
  {
    std::lock_guard lock(mutex_);
    if (queued_.Fill(record, known)) return Ok();
  }
  // An entry leaves queued_ only after its commit, so one that was there is in
  // the index now; and only the caller adds entries.
  return db_.Read([&](db::Connection& connection) {
    return IndexWriter(connection, sql_).FillParents(record, known);
  });
}

Status Merger::Room() {
  std::lock_guard lock(mutex_);
  if (failing_ && queue_.size() >= kMaxQueued / 2) return last_failure_;
  return Ok();
}

void Merger::Add(std::vector<Entry> entries, const DirectorySyncSet& folders) {
  if (entries.empty()) return;
  bool wake = false;
  {
    std::unique_lock lock(mutex_);
    merged_.wait(lock, [&] { return queue_.size() < kMaxQueued || crashed_ || stopping_; });
    added_count_ += entries.size();
    // The thread waits for a first entry, then for kDelay or a full batch: a
    // wake-up at any other Add would only send it back to sleep.
    wake = queue_.empty() || queue_.size() + entries.size() >= kBatch;
    for (Entry& entry : entries) {
      queued_.Add(entry.record);
      queue_.push_back(std::move(entry));
    }
    folders_.Add(folders);
  }
  if (wake) work_.notify_one();
}

Status Merger::AwaitMerged() {
  auto lagging = Await([&] { return last_failure_; });
  if (!lagging) return std::move(lagging).error();
  return Ok();
}

Result<std::uint64_t> Merger::AwaitMergedOrLagging() {
  return Await([] { return Ok(); });
}

Status Merger::AwaitMergedFor(const Scope& scope) {
  auto lagging = Await([&]() -> Status {
    if (!queued_.Covers(scope)) return Ok();
    return Fail(ErrorCode::kUnavailable,
                "some of these instances are stored but cannot be read or deleted until the "
                "server can write its index again (details are in its log); try again later");
  });
  if (!lagging) return std::move(lagging).error();
  return Ok();
}

// `tolerate` runs under mutex_.
Result<std::uint64_t> Merger::Await(const std::function<Status()>& tolerate) {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = added_count_;
  const std::uint64_t failures = failures_;
  while (merged_count_ < target) {
    if (crashed_) return Fail(ErrorCode::kUnavailable, "the index merger stopped (a test crash)");
    // A second's wait for each retry would hold every reader up with the index.
    if (failing_ || failures_ != failures) {
      if (auto tolerated = tolerate(); !tolerated) return std::move(tolerated).error();
      return added_count_ - merged_count_;
    }
    hurry_ = true;
    work_.notify_one();
    merged_.wait(lock);
  }
  return std::uint64_t{0};
}

void Merger::Settle() {
  (void)AwaitMerged();
  settler_.SettleNow();
}

Status Merger::MergeBatch(const std::vector<Entry>& batch, const DirectorySyncSet& folders) {
  const auto crash_at = [&](IngestStep step) {
    if (!crash_ || !crash_(step)) return false;
    std::lock_guard lock(mutex_);
    crashed_ = true;
    return true;
  };
  if (crash_at(IngestStep::kMerging)) return SimulatedCrash(IngestStep::kMerging);
  DirectorySyncSet to_settle = folders;
  for (const Entry& entry : batch) {
    if (entry.linked) continue;
    auto linked = blobs_.RestoreLink(entry.blob, blobs_.AcceptedPath(entry.blob), to_settle);
    if (!linked) return linked;
  }

  std::vector<BlobNumber> stored;
  std::vector<BlobNumber> kept;
  std::vector<BlobNumber> replaced;
  auto committed = db_.Write([&](db::Connection& connection) -> Status {
    stored.clear();
    kept.clear();
    replaced.clear();
    db::Transaction transaction(connection);
    if (auto status = transaction.Begin(); !status) return status;
    IndexWriter writer(connection, sql_);
    Garbage::Forgetting forgetting(garbage_, writer);
    for (const Entry& entry : batch) {
      auto existing = writer.Find(entry.record.sop_instance_uid);
      if (!existing) return std::move(existing).error();
      // A retry after a COMMIT whose outcome was unknown finds the entry itself.
      if (*existing && (*existing)->blob == entry.blob) {
        stored.push_back(entry.blob);
        continue;
      }
      if (*existing && entry.keep_existing) {
        // Listed as garbage, like a replaced blob: until it is gone, its
        // accepted name must not bring it back should the stored copy go.
        if (auto status = writer.AddGarbage(entry.blob); !status) return status;
        kept.push_back(entry.blob);
        continue;
      }
      if (auto status = writer.Insert(entry.record, entry.blob, *existing); !status) return status;
      stored.push_back(entry.blob);
      if (*existing) replaced.push_back((*existing)->blob);
    }
    if (auto status = transaction.Commit(); !status) return status;
    forgetting.Committed();
    return Ok();
  });
  if (!committed) return committed;
  if (crash_at(IngestStep::kCommitted)) return SimulatedCrash(IngestStep::kCommitted);

  settler_.Add(to_settle, stored);
  if (crash_at(IngestStep::kHandedOver)) return SimulatedCrash(IngestStep::kHandedOver);
  // Kept-out duplicates are rare here: the ingester keeps them out before it
  // acknowledges, so only a change to the index in between leaves one. A failure
  // leaves the garbage rows for the next removal, or the next start, to retry.
  replaced.insert(replaced.end(), kept.begin(), kept.end());
  if (auto disposed = garbage_.Dispose(replaced); !disposed && on_file_error_) {
    on_file_error_(
        {"the files of replaced or deleted instances could not be removed; the "
         "next removal retries, and the next start at the latest",
         disposed.error()});
  }
  return Ok();
}

void Merger::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    // Let more acceptances join this transaction, unless a reader waits.
    work_.wait_for(lock, kDelay, [&] { return stopping_ || hurry_ || queue_.size() >= kBatch; });
    hurry_ = false;
    // All of it: folders_ covers the whole queue.
    std::vector<Entry> batch(std::make_move_iterator(queue_.begin()),
                             std::make_move_iterator(queue_.end()));
    queue_.clear();
    const DirectorySyncSet folders = std::exchange(folders_, {});
    lock.unlock();
    Status status = MergeBatch(batch, folders);
    lock.lock();
    if (crashed_) {
      merged_.notify_all();
      return;
    }
    if (!status) {
      // Tried again until it works; the accepted names keep the instances safe
      // meanwhile, and the start-up recovery merges whatever is left.
      ++failures_;
      const bool newly_failing = !std::exchange(failing_, true);
      IndexLag lag{true, added_count_ - merged_count_, status.error().message};
      last_failure_ = std::move(status);
      queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
      folders_.Add(folders);
      merged_.notify_all();
      if (newly_failing) Report(lock, lag);
      work_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
      if (stopping_) return;
      continue;
    }
    for (const Entry& entry : batch) queued_.Remove(entry.record);
    merged_count_ += batch.size();
    merged_.notify_all();
    if (std::exchange(failing_, false)) Report(lock, IndexLag{});
  }
}

IndexLag Merger::Lag() {
  std::lock_guard lock(mutex_);
  if (!failing_) return IndexLag{};
  return IndexLag{true, added_count_ - merged_count_, last_failure_.error().message};
}

void Merger::Report(std::unique_lock<std::mutex>& lock, const IndexLag& lag) {
  if (!on_lag_) return;
  lock.unlock();
  on_lag_(lag);
  lock.lock();
}

}  // namespace tessera::archive
