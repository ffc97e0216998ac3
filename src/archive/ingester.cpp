// Durable ingest.
//
// Every instance gets a number N when its incoming file is created; N names the
// incoming file (incoming/<N>.part), the blob (blobs/.../<N>.dcm) and the index
// row (instances.id = N). TryStoreAll, in the caller's thread:
//   1. parses each file and fsyncs it (callers run these in parallel);
// then, for a batch of queued instances at once (group commit, see Submit): all
// of the caller's own, and whatever other callers queued meanwhile, each step
// once for the whole batch:
//   2. fsyncs incoming/, so that every incoming name is durable before any blob
//      name it vouches for, and before the commit that relies on it;
//   3. links each incoming/<N>.part to its blob name (a second hard link);
//   4. writes the index rows in one transaction and commits it
//      (synchronous=FULL: durable on return), one WAL fsync for the batch;
// and the callers acknowledge. After that, off the acknowledgement's path:
//   5. the settler (settler.h) fsyncs the blob folders that changed, for all the
//      batches of its last 50 ms at once, and then unlinks their incoming names;
//      a replaced instance's old blob is unlinked by its caller through the
//      garbage table (garbage.h).
// So an acknowledged instance has its data and its incoming name on disk and its
// row committed; its blob name may be lost in a crash until step 5, and the
// incoming name is what brings it back. Batching steps 2-4 is what makes many
// small instances cheap: a batch of k pays two flushes where storing them one by
// one would pay 2k, and a STOW request's parts all go in one batch.
// A crash leaves, for each instance in flight or unsettled, its incoming name, so
// start-up (recovery.cpp) looks at incoming/ only: if the index has row N the
// commit happened, and the blob name is linked again if it is missing;
// otherwise the blob name (if any) is unlinked. The blob names' folders are
// fsynced, and then the incoming names unlinked. Either way the instance is fully
// stored and indexed or absent, and the work is proportional to what was in
// flight. Links rather than renames keep the incoming name alive until the blob
// name is durable. A blob name that ends up unused (kKeep, a failed insert) is
// unlinked durably before its incoming name, for the same reason.

#include "archive/ingester.h"

#include <cassert>
#include <cerrno>
#include <chrono>
#include <optional>
#include <vector>

#include <fcntl.h>
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
  InstanceRecord record;
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

// A parsed and fsynced file on its way through a group commit.
struct Ingester::Candidate {
  std::size_t index = 0;  // in TryStoreAll's files
  IncomingFile file;
  Pending pending;
};

std::vector<StoreAttempt> Ingester::TryStoreAll(std::span<IncomingFile> files,
                                                std::string_view expected_study_uid) {
  std::vector<StoreAttempt> attempts(files.size());
  std::deque<Candidate> candidates;  // a deque: the queue points into it
  std::vector<Pending*> pendings;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto candidate = Prepare(std::move(files[i]), expected_study_uid, attempts[i]);
    if (!candidate) continue;
    candidate->index = i;
    pendings.push_back(&candidates.emplace_back(std::move(*candidate)).pending);
  }
  Submit(pendings);

  std::vector<BlobNumber> replaced;
  for (Candidate& candidate : candidates) {
    attempts[candidate.index].result = Finish(candidate, replaced);
  }
  if (replaced.empty()) return attempts;
  if (CrashAt(IngestStep::kHandedOver)) {
    for (const Candidate& candidate : candidates) {
      if (candidate.pending.replaced) {
        attempts[candidate.index].result = SimulatedCrash(IngestStep::kHandedOver);
      }
    }
    return attempts;
  }
  // A failure leaves the garbage rows; the next start-up unlinks the blobs.
  (void)garbage_.Dispose(replaced);
  return attempts;
}

std::optional<Ingester::Candidate> Ingester::Prepare(IncomingFile file,
                                                     std::string_view expected_study_uid,
                                                     StoreAttempt& attempt) {
  const auto blob = blobs_.IncomingNumber(file.path());
  if (!blob || file.fd() < 0) {
    attempt.result = Fail(ErrorCode::kInvalidArgument, "not an open incoming file of this archive");
    return std::nullopt;
  }
  dicom::ReadOptions options;
  options.bulk_data_uri_prefix = std::string(Archive::kBulkDataMarker);
  auto info = dicom::ReadInstance(file.path(), options);
  if (!info) {
    attempt.result = std::move(info).error();
    return std::nullopt;
  }
  attempt.sop_class_uid = info->sop_class_uid;
  attempt.sop_instance_uid = info->sop_instance_uid;
  if (!expected_study_uid.empty() && info->study_uid != expected_study_uid) {
    attempt.result =
        Fail(ErrorCode::kConflict, "Study Instance UID " + info->study_uid + " does not match " +
                                       std::string(expected_study_uid));
    return std::nullopt;
  }
  if (duplicates_ == DuplicatePolicy::kKeep) {
    // Spares the fsyncs when the instance is known; the commit checks again.
    auto known = db_.Read([&](db::Connection& connection) {
      return IndexWriter(connection, sql_).Find(info->sop_instance_uid);
    });
    if (known && *known) {
      attempt.result = StoredInstance{StoreOutcome::kKept, info->study_uid, info->series_uid,
                                      info->sop_instance_uid, info->sop_class_uid};
      return std::nullopt;
    }
  }
  struct stat file_stat {};
  if (::fstat(file.fd(), &file_stat) != 0) {
    attempt.result = IoError("stat", file.path(), errno);
    return std::nullopt;
  }
  if (auto status = SyncFd(file.fd(), file.path()); !status) {
    attempt.result = std::move(status).error();
    return std::nullopt;
  }
  // The file's pages are clean now and ingest has read what it needs. Left in
  // the page cache, a stream of received instances evicts the index and the
  // studies being viewed, and once memory is full every new page must first be
  // reclaimed: five times the system time per byte written here (RESULTS.md).
  // A viewer opening a new study reads it back from the disk. Advisory.
  (void)::posix_fadvise(file.fd(), 0, 0, POSIX_FADV_DONTNEED);
  const auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch());
  Candidate candidate{0, std::move(file), Pending{}};
  candidate.pending.blob = *blob;
  candidate.pending.record =
      MakeInstanceRecord(*info, static_cast<std::uint64_t>(file_stat.st_size), now.count());
  return candidate;
}

Result<StoredInstance> Ingester::Finish(Candidate& candidate, std::vector<BlobNumber>& replaced) {
  Pending& pending = candidate.pending;
  IncomingFile& file = candidate.file;
  if (pending.undecided) {
    file.Release();  // the start-up recovery will know
    return pending.status.error();
  }
  const InstanceRecord& record = pending.record;
  const StoredInstance stored{pending.outcome, record.study_uid, record.series_uid,
                              record.sop_instance_uid, record.sop_class_uid};
  if (!pending.status || pending.outcome == StoreOutcome::kKept) {
    // Nothing refers to the blob name. It goes first, so that the incoming name
    // (unlinked by the file's destructor) outlives it; if it cannot go, both
    // stay for the start-up recovery.
    if (pending.linked) {
      if (auto undone = UndoLink(pending.blob); !undone) file.Release();
    }
    if (!pending.status) return pending.status.error();
    return stored;
  }
  file.Release();  // committed: the incoming name is the settler's now
  if (pending.replaced) replaced.push_back(*pending.replaced);
  return stored;
}

void Ingester::Submit(std::span<Pending* const> mine) {
  if (mine.empty()) return;
  std::unique_lock lock(mutex_);
  queue_.insert(queue_.end(), mine.begin(), mine.end());
  // Batches pop the queue from the front, so `mine` is decided in order.
  std::size_t next = 0;  // mine[0, next) are decided
  for (;;) {
    decided_.wait(lock, [&] {
      while (next < mine.size() && mine[next]->done) ++next;
      return next == mine.size() || queue_.front() == mine[next];
    });
    if (next == mine.size()) return;
    LeadBatch(lock);
  }
}

void Ingester::LeadBatch(std::unique_lock<std::mutex>& lock) {
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
  const InstanceRecord& record = pending.record;
  auto existing = writer.Find(record.sop_instance_uid);
  if (!existing) return std::move(existing).error();
  if (*existing && duplicates_ == DuplicatePolicy::kKeep) {
    pending.outcome = StoreOutcome::kKept;
    return Ok();
  }
  // A savepoint per instance: its failure leaves the others in the batch alone.
  if (auto status = connection.ExecCached("SAVEPOINT store_one"); !status) return status;
  if (auto status = writer.Insert(record, pending.blob, *existing); !status) {
    (void)connection.ExecCached("ROLLBACK TO store_one");
    (void)connection.ExecCached("RELEASE store_one");
    return status;
  }
  if (auto status = connection.ExecCached("RELEASE store_one"); !status) return status;
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

  bool committed = false;
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
    committed = true;
  });
  if (!committed || crash_at(IngestStep::kCommitted)) return;

  std::vector<BlobNumber> stored;
  for (const Pending* p : batch) {
    if (p->status && p->outcome != StoreOutcome::kKept) stored.push_back(p->blob);
  }
  // A batch of only kept or failed instances leaves no blob name to settle:
  // their callers undo the links themselves.
  if (!stored.empty()) settler_.Add(dirs, stored);
}

}  // namespace tessera::archive
