// Durable ingest.
//
// Every instance gets a number N when its incoming file is created; N names the
// incoming file (incoming/<N>.part), the blob (blobs/.../<N>.dcm) and the index
// row (instances.id = N). Store, in the caller's thread:
//   1. parses the file and fsyncs it (callers run these in parallel);
// then, for a batch of concurrent callers at once (group commit, see Submit),
// each step once for the whole batch:
//   2. fsyncs incoming/, so that every incoming name is durable before any blob
//      name it vouches for;
//   3. links each incoming/<N>.part to its blob name (a second hard link) and
//      fsyncs the blob folders that changed (usually one: consecutive numbers
//      share it), with the parents of a new folder;
//   4. writes the index rows in one transaction and commits it
//      (synchronous=FULL: durable on return), one WAL fsync for the batch;
// and back in the caller:
//   5. unlinks incoming/<N>.part and returns; a replaced instance's old blob is
//      unlinked after that through the garbage table (garbage.h).
// Batching steps 2-4 is what makes many small instances cheap: a batch of k
// pays three flushes, where storing them one by one would pay 3k.
// A crash leaves, for each instance in flight, its incoming name, so start-up
// (recovery.cpp) looks at incoming/ only: if the index has row N the commit
// happened and only the incoming name is left to unlink; otherwise the blob name
// (if any) and the incoming name are unlinked, in that order. Either way the
// instance is fully stored and indexed or absent, and the work is proportional to
// what was in flight. Links rather than renames keep the incoming name alive
// until the commit has decided. A blob name that ends up unused (kKeep, a failed
// insert) is unlinked durably before its incoming name, for the same reason.

#include "archive/ingester.h"

#include <cassert>
#include <cerrno>
#include <chrono>
#include <optional>
#include <vector>

#include <sys/stat.h>

#include "archive/file_ops.h"
#include "dicom/instance_reader.h"

namespace tessera::archive {

Error SimulatedCrash(IngestStep step) {
  return Fail(ErrorCode::kUnavailable,
              "simulated crash after step " + std::to_string(static_cast<int>(step)));
}

struct Ingester::Pending {
  BlobNumber blob = 0;
  const InstanceRecord* record = nullptr;
  // Decided by the leader:
  Status status;
  StoreOutcome outcome = StoreOutcome::kStored;
  std::optional<BlobNumber> replaced;
  bool linked = false;  // the blob name may exist
  // The outcome is unknown (commit failed, or a simulated crash): the files must
  // stay for the start-up recovery to settle.
  bool undecided = false;
  bool done = false;
};

StoreAttempt Ingester::TryStore(IncomingFile file, std::string_view expected_study_uid) {
  StoreAttempt attempt;
  const auto blob = blobs_.IncomingNumber(file.path());
  if (!blob || file.fd() < 0) {
    attempt.result = Fail(ErrorCode::kInvalidArgument, "not an open incoming file of this archive");
    return attempt;
  }
  dicom::ReadOptions options;
  options.bulk_data_uri_prefix = std::string(Archive::kBulkDataMarker);
  auto info = dicom::ReadInstance(file.path(), options);
  if (!info) {
    attempt.result = std::move(info).error();
    return attempt;
  }
  attempt.sop_class_uid = info->sop_class_uid;
  attempt.sop_instance_uid = info->sop_instance_uid;
  attempt.result = StoreParsed(std::move(file), *blob, *info, expected_study_uid);
  return attempt;
}

Result<StoredInstance> Ingester::StoreParsed(IncomingFile file, BlobNumber blob,
                                             const dicom::InstanceInfo& info,
                                             std::string_view expected_study_uid) {
  if (!expected_study_uid.empty() && info.study_uid != expected_study_uid) {
    return Fail(ErrorCode::kConflict, "Study Instance UID " + info.study_uid + " does not match " +
                                          std::string(expected_study_uid));
  }
  const StoredInstance kept{StoreOutcome::kKept, info.study_uid, info.series_uid,
                            info.sop_instance_uid, info.sop_class_uid};
  if (duplicates_ == DuplicatePolicy::kKeep) {
    // Spares the fsyncs when the instance is known; the commit checks again.
    auto known = db_.Read([&](db::Connection& connection) {
      return IndexWriter(connection, sql_).Find(info.sop_instance_uid);
    });
    if (known && *known) return kept;
  }
  struct stat file_stat {};
  if (::fstat(file.fd(), &file_stat) != 0) return IoError("stat", file.path(), errno);
  const auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch());
  const InstanceRecord record =
      MakeInstanceRecord(info, static_cast<std::uint64_t>(file_stat.st_size), now.count());
  if (auto status = SyncFd(file.fd(), file.path()); !status) return std::move(status).error();

  Pending pending;
  pending.blob = blob;
  pending.record = &record;
  Submit(pending);
  if (pending.undecided) {
    file.Release();  // the start-up recovery will know
    return std::move(pending.status).error();
  }
  const StoredInstance stored{pending.outcome, record.study_uid, record.series_uid,
                              record.sop_instance_uid, record.sop_class_uid};
  if (!pending.status || pending.outcome == StoreOutcome::kKept) {
    // Nothing refers to the blob name. It goes first, so that the incoming name
    // (unlinked by the destructor) outlives it; if it cannot go, both stay for
    // the start-up recovery.
    if (pending.linked) {
      if (auto undone = UndoLink(blob); !undone) file.Release();
    }
    if (!pending.status) return std::move(pending.status).error();
    return stored;
  }
  if (CrashAt(IngestStep::kCommitted)) {
    file.Release();
    return SimulatedCrash(IngestStep::kCommitted);
  }

  // Committed: the incoming name has done its job. If this unlink is lost,
  // start-up finds row N and unlinks it then.
  const auto incoming = file.path();
  file.Release();
  (void)RemoveFile(incoming);
  if (pending.replaced) {
    if (CrashAt(IngestStep::kIncomingRemoved)) return SimulatedCrash(IngestStep::kIncomingRemoved);
    // A failure leaves the garbage row; the next start-up unlinks the blob.
    (void)garbage_.Dispose(std::span<const BlobNumber>(&*pending.replaced, 1));
  }
  return stored;
}

void Ingester::Submit(Pending& pending) {
  std::unique_lock lock(mutex_);
  queue_.push_back(&pending);
  decided_.wait(lock, [&] { return pending.done || queue_.front() == &pending; });
  if (pending.done) return;

  // This caller leads: it commits everything queued so far, itself included.
  const std::size_t size = std::min(queue_.size(), kMaxBatch);
  const std::vector<Pending*> batch(queue_.begin(),
                                    queue_.begin() + static_cast<std::ptrdiff_t>(size));
  lock.unlock();
  CommitBatch(batch);
  lock.lock();
  for (Pending* member : batch) {
    assert(queue_.front() == member && "only the leader pops the queue");
    queue_.pop_front();
    member->done = true;
  }
  decided_.notify_all();
}

Status Ingester::UndoLink(BlobNumber blob) const {
  DirectorySyncSet dirs;
  if (auto status = blobs_.RemoveBlobs(std::span<const BlobNumber>(&blob, 1), dirs); !status) {
    return status;
  }
  return dirs.Sync();
}

Status Ingester::StoreOne(db::Connection& connection, IndexWriter& writer, Pending& pending) {
  const InstanceRecord& record = *pending.record;
  auto existing = writer.Find(record.sop_instance_uid);
  if (!existing) return std::move(existing).error();
  if (*existing && duplicates_ == DuplicatePolicy::kKeep) {
    pending.outcome = StoreOutcome::kKept;
    return Ok();
  }
  // A savepoint per instance: its failure leaves the others in the batch alone.
  if (auto status = connection.Exec("SAVEPOINT store_one"); !status) return status;
  if (auto status = writer.Insert(record, pending.blob, *existing); !status) {
    (void)connection.Exec("ROLLBACK TO store_one; RELEASE store_one");
    return status;
  }
  if (auto status = connection.Exec("RELEASE store_one"); !status) return status;
  pending.outcome = *existing ? StoreOutcome::kReplaced : StoreOutcome::kStored;
  if (*existing) pending.replaced = (*existing)->blob;
  return Ok();
}

void Ingester::CommitBatch(std::span<Pending* const> batch) {
  // Failures and simulated crashes before the commit decide every member that
  // has not failed on its own.
  const auto fail_all = [&](const Error& error, bool undecided) {
    for (Pending* p : batch) {
      if (!p->status) continue;  // its own failure, already decided
      p->status = error;
      p->undecided = undecided;
    }
  };
  const auto crash_at = [&](IngestStep step) {
    if (!CrashAt(step)) return false;
    fail_all(SimulatedCrash(step), true);
    return true;
  };

  if (auto status = blobs_.SyncIncomingDir(); !status) return fail_all(status.error(), false);
  if (crash_at(IngestStep::kFileSynced)) return;
  DirectorySyncSet dirs;
  for (Pending* p : batch) {
    p->status = blobs_.LinkIncoming(p->blob, dirs);
    p->linked = static_cast<bool>(p->status);
  }
  if (crash_at(IngestStep::kLinked)) return;
  if (auto status = dirs.Sync(); !status) return fail_all(status.error(), false);
  if (crash_at(IngestStep::kDirectoriesSynced)) return;

  db_.Write([&](db::Connection& connection) {
    db::Transaction transaction(connection);
    if (auto status = transaction.Begin(); !status) return fail_all(status.error(), false);
    IndexWriter writer(connection, sql_);
    (void)garbage_.ForgetDisposed(writer);  // best effort; see Garbage
    for (Pending* p : batch) {
      if (p->status) p->status = StoreOne(connection, writer, *p);
    }
    // A failed COMMIT may or may not have reached the disk: leave everything
    // for the start-up recovery, which can tell.
    if (auto status = transaction.Commit(); !status) return fail_all(status.error(), true);
  });
}

}  // namespace tessera::archive
