// Durable ingest.
//
// Every instance gets a number N when its incoming file is created; N names the
// incoming file (incoming/<N>.part, then <N>.accepted), the blob
// (blobs/.../<N>.dcm) and the index row (instances.id = N). TryStoreAll, in the
// caller's thread:
//   1. parses each file, and makes it durable: a caller with one file fsyncs it
//      (callers run these in parallel); a caller with several only starts
//      writing them back, since an fsync each would be a flush of the disk
//      each, one after the other;
// then, for a batch of queued instances at once (group commit, see Submit): all
// of the caller's own, and whatever other callers queued meanwhile:
//   2. decides each one's outcome against the index and the merger's queue
//      (stored, replacing, or kept out by DuplicatePolicy::kKeep), and refuses
//      one that would refile a stored series or study (parentage.h);
//   3. when the batch holds files not fsynced yet, makes them durable at once
//      (SyncData): one syncfs of the whole file system, each file's own
//      write errors checked, one more flush; a file that fails is refused;
//      then accepts the ones to store: renames <N>.part to <N>.accepted;
//   4. fsyncs incoming/, once for the batch: from here on the instances are
//      stored, whatever happens;
//   5. links each accepted file to its blob name (a second hard link) and hands
//      it to the merger — also when step 4 or its link failed: accepted, it is
//      stored. A failed step 4 is the caller's failure (the acceptance may not
//      be durable); a failed link is not (the merger links it again);
// and the callers acknowledge. After that, off the acknowledgement's path:
//   6. the merger (merger.h) writes the index rows of everything accepted in its
//      last 100 ms in one transaction (synchronous=FULL) and disposes of the
//      blobs that were replaced; reads and deletes wait for it, unless it is
//      failing (then they go ahead, except on a scope it has pending: see
//      ArchiveImpl);
//   7. the settler (settler.h) fsyncs the blob folders that changed, for all the
//      merges of its last 50 ms at once, and then unlinks the accepted names.
// So an acknowledged instance has its data and its accepted name on disk; its
// rows and its blob name may be lost in a crash until steps 6 and 7, and the
// accepted name is what brings them back. Steps 3 and 4 cost three flushes per
// batch at most and step 6 one commit per few hundred instances: per instance,
// what is left is at most one fsync.
// A crash leaves, for each instance in flight or unsettled, its incoming name, so
// start-up (recovery.cpp) looks at incoming/ only. A <N>.part was never
// accepted and goes with its blob name, if any. An accepted name without its row
// is parsed and indexed again, in number order (the merger's order is that of
// acceptance: two copies of one UID in flight at once may end the other way
// round) — unless a garbage row says it was merged and then replaced or deleted;
// Garbage::Dispose removes such a name durably before that row can go. Blob
// names are linked again where missing and their folders fsynced before any
// incoming name goes. Either way the instance is fully stored and indexed or
// absent, and the work is proportional to what was in flight. Links rather than
// renames keep the incoming name alive until the blob name is durable.

#include "archive/ingester.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>

#include "archive/file_ops.h"
#include "archive/parentage.h"
#include "dicom/instance_reader.h"

namespace tessera::archive {

Error SimulatedCrash(IngestStep step) {
  return Fail(ErrorCode::kUnavailable,
              "simulated crash after step " + std::to_string(static_cast<int>(step)));
}

struct Ingester::Pending {
  BlobNumber blob = 0;
  InstanceRecord record;
  bool keep_existing = false;  // a stored UID is kept out (DuplicatePolicy::kKeep)
  bool data_synced = false;    // fsynced by its caller; otherwise step 3 syncs it
  // Decided by the leader:
  Status status;
  StoreOutcome outcome = StoreOutcome::kStored;
  bool accepted = false;  // renamed to <N>.accepted: the start-up recovery stores it
  // The outcome is unknown (a simulated crash): the files must stay for the
  // start-up recovery to settle.
  bool undecided = false;
  bool done = false;
  // Its caller's, which waits on it alone: a batch wakes only the callers it
  // decided and the next leader, not every caller in the queue.
  std::condition_variable* wake = nullptr;
};

// A parsed file on its way through a group commit.
struct Ingester::Candidate {
  std::size_t index = 0;  // in TryStoreAll's files
  IncomingFile file;
  Pending pending;
};

namespace {

Status CheckDeclared(const IncomingFile& file, const dicom::InstanceInfo& info) {
  const auto differs = [](const std::string& declared, const std::string& found) {
    return !declared.empty() && declared != found;
  };
  if (differs(file.declared_sop_instance_uid(), info.sop_instance_uid)) {
    return Fail(ErrorCode::kInvalidArgument,
                "data set is not the declared instance: its SOP Instance UID is " +
                    info.sop_instance_uid + ", not " + file.declared_sop_instance_uid());
  }
  if (differs(file.declared_sop_class_uid(), info.sop_class_uid)) {
    return Fail(ErrorCode::kInvalidArgument,
                "data set is not of the declared SOP class: " + info.sop_class_uid + ", not " +
                    file.declared_sop_class_uid());
  }
  return Ok();
}

}  // namespace

std::vector<StoreAttempt> Ingester::TryStoreAll(std::span<IncomingFile> files,
                                                std::string_view expected_study_uid) {
  std::vector<StoreAttempt> attempts(files.size());
  std::deque<Candidate> candidates;  // a deque: the queue points into it
  std::vector<Pending*> pendings;
  std::set<std::string_view> instances;  // of `candidates`, which keep the strings in place
  // Counted before parsing: a call with one good file among several has it
  // synced by its batch, which is as durable.
  const bool sync_each = files.size() == 1;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto candidate = Prepare(std::move(files[i]), expected_study_uid, sync_each, attempts[i]);
    if (!candidate) continue;
    // A later copy would replace the first one while both were reported stored.
    if (instances.contains(candidate->pending.record.sop_instance_uid)) {
      attempts[i].result = Fail(ErrorCode::kConflict,
                                "SOP Instance UID given more than once in one request: only the "
                                "first is stored");
      continue;
    }
    candidate->index = i;
    Pending& pending = candidates.emplace_back(std::move(*candidate)).pending;
    instances.insert(pending.record.sop_instance_uid);
    pendings.push_back(&pending);
  }
  Submit(pendings);
  for (Candidate& candidate : candidates) {
    attempts[candidate.index].result = Finish(candidate);
  }
  return attempts;
}

std::optional<Ingester::Candidate> Ingester::Prepare(IncomingFile file,
                                                     std::string_view expected_study_uid, bool sync,
                                                     StoreAttempt& attempt) {
  const auto blob = blobs_.IncomingNumber(file.path());
  if (!blob) {
    attempt.result = Fail(ErrorCode::kInvalidArgument, "not an incoming file of this archive");
    return std::nullopt;
  }
  if (auto reopened = file.Reopen(); !reopened) {
    attempt.result = std::move(reopened).error();
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
  if (auto status = CheckDeclared(file, *info); !status) {
    attempt.result = std::move(status).error();
    return std::nullopt;
  }
  if (!expected_study_uid.empty() && info->study_uid != expected_study_uid) {
    attempt.result =
        Fail(ErrorCode::kConflict, "Study Instance UID " + info->study_uid + " does not match " +
                                       std::string(expected_study_uid));
    return std::nullopt;
  }
  struct stat file_stat {};
  if (::fstat(file.fd(), &file_stat) != 0) {
    attempt.result = FileError("stat", file.path(), errno);
    return std::nullopt;
  }
  const auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch());
  Candidate candidate{0, std::move(file), Pending{}};
  candidate.pending.blob = *blob;
  candidate.pending.record =
      MakeInstanceRecord(*info, static_cast<std::uint64_t>(file_stat.st_size), now.count());
  candidate.pending.keep_existing =
      duplicates_ == DuplicatePolicy::kKeep || candidate.file.keeps_existing();
  if (candidate.pending.keep_existing) {
    // Spares the batch its work when the instance is known; the batch checks
    // again.
    KnownParents known;
    const auto status = merger_.FillParents(candidate.pending.record, known);
    if (status && known.instance_stored()) {
      attempt.result = StoredInstance{StoreOutcome::kKept, info->study_uid, info->series_uid,
                                      info->sop_instance_uid, info->sop_class_uid};
      return std::nullopt;
    }
  }
  if (sync) {
    if (auto status = SyncFd(candidate.file.fd(), candidate.file.path()); !status) {
      attempt.result = std::move(status).error();
      return std::nullopt;
    }
    candidate.pending.data_synced = true;
    DropCachedPages(candidate.file.fd());
  } else {
    // Under way while the batch forms, the writes leave its sync less to wait for.
    candidate.file.StartWritebackOfAll();
  }
  // Nothing past this point needs the descriptor (the group commit renames and
  // links by name): a request's thousands of files do not hold one each.
  candidate.file.CloseDescriptor();
  return candidate;
}

Result<StoredInstance> Ingester::Finish(Candidate& candidate) {
  const Pending& pending = candidate.pending;
  // Otherwise the IncomingFile unlinks <N>.part: nothing else refers to it.
  if (pending.accepted || pending.undecided) candidate.file.Release();
  if (!pending.status) return pending.status.error();
  const InstanceRecord& record = pending.record;
  return StoredInstance{pending.outcome, record.study_uid, record.series_uid,
                        record.sop_instance_uid, record.sop_class_uid};
}

void Ingester::Submit(std::span<Pending* const> mine) {
  if (mine.empty()) return;
  std::condition_variable wake;
  for (Pending* p : mine) p->wake = &wake;
  std::unique_lock lock(mutex_);
  queue_.insert(queue_.end(), mine.begin(), mine.end());
  // Batches pop the queue from the front, so `mine` is decided in order.
  std::size_t next = 0;  // mine[0, next) are decided
  for (;;) {
    wake.wait(lock, [&] {
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
  std::condition_variable* const own = batch.front()->wake;
  std::vector<std::condition_variable*> to_wake;
  const auto add = [&](std::condition_variable* wake) {
    if (wake != own && std::find(to_wake.begin(), to_wake.end(), wake) == to_wake.end()) {
      to_wake.push_back(wake);
    }
  };
  for (Pending* member : batch) {
    assert(queue_.front() == member && "only the leader pops the queue");
    queue_.pop_front();
    member->done = true;
    add(member->wake);
  }
  if (!queue_.empty()) add(queue_.front()->wake);
  // Under the lock: a caller that finds its members done returns, and its
  // condition variable goes with it.
  for (std::condition_variable* wake : to_wake) wake->notify_one();
}

void Ingester::DecideOutcomes(std::span<Pending* const> batch) {
  // Only the leader adds to the merger, so what it answers holds until Add.
  // A member counts as in flight from here, before its acceptance: should that
  // fail (a rename's I/O error), a later member refused because of it was
  // refused for nothing — rare, and a refusal is the safe side.
  InFlightParents in_batch;
  for (Pending* p : batch) {
    if (!p->status) continue;
    KnownParents known;
    if (!in_batch.Fill(p->record, known)) p->status = merger_.FillParents(p->record, known);
    if (!p->status) continue;
    // Kept out, it writes nothing and moves nothing, whatever it says.
    if (known.instance_stored() && p->keep_existing) {
      p->outcome = StoreOutcome::kKept;
      continue;
    }
    p->status = CheckParents(p->record, known);
    if (!p->status) continue;
    p->outcome = known.instance_stored() ? StoreOutcome::kReplaced : StoreOutcome::kStored;
    in_batch.Add(p->record);
  }
}

void Ingester::SyncData(std::span<Pending* const> members) {
  Status synced = blobs_.SyncFileSystem();
  if (synced) {
    // syncfs reports a write error once, maybe to another batch: each file's
    // own errors are checked too.
    for (Pending* p : members) p->status = blobs_.ConfirmWriteback(p->blob);
    // Without a journal, ext4's syncfs writes the inodes after its flush; this
    // fsync flushes them before any rename can reach the disk.
    synced = blobs_.SyncIncomingDir();
  }
  if (synced) return;
  for (Pending* p : members) {
    if (p->status) p->status = synced.error();
  }
}

void Ingester::CommitBatch(std::span<Pending* const> batch) {
  // A simulated crash decides every member that has not failed on its own, and
  // leaves its files.
  const auto crash_at = [&](IngestStep step) {
    if (!CrashAt(step)) return false;
    for (Pending* p : batch) {
      if (!p->status) continue;
      p->status = SimulatedCrash(step);
      p->undecided = true;
    }
    return true;
  };
  const auto to_store = [](const Pending* p) {
    return p->status && p->outcome != StoreOutcome::kKept;
  };

  DecideOutcomes(batch);
  // An index that cannot be written falls behind; refused here, before their
  // acceptance, new instances are not stored, rather than hang in Merger::Add.
  if (auto room = merger_.Room(); !room) {
    for (Pending* p : batch) {
      if (to_store(p)) p->status = room.error();
    }
  }
  std::vector<Pending*> unsynced;
  for (Pending* p : batch) {
    if (to_store(p) && !p->data_synced) unsynced.push_back(p);
  }
  if (!unsynced.empty()) SyncData(unsynced);
  if (crash_at(IngestStep::kFileSynced)) return;
  for (Pending* p : batch) {
    if (!to_store(p)) continue;
    p->status = blobs_.Accept(p->blob);
    p->accepted = static_cast<bool>(p->status);
  }
  // After a failed fsync the acceptances may or may not be durable. They go on
  // all the same, so that this process and the start-up recovery agree that the
  // instances are stored; their callers are told of the failure.
  const Status synced = blobs_.SyncIncomingDir();
  if (synced && crash_at(IngestStep::kAccepted)) return;

  DirectorySyncSet folders;
  std::vector<Merger::Entry> entries;
  for (Pending* p : batch) {
    if (!p->accepted) continue;
    Merger::Entry entry{p->blob, p->record, true, p->keep_existing};
    if (!synced) p->status = synced.error();
    // Accepted, the instance is stored whatever the link does (a full disk may
    // refuse the folder a new block): the merger links it again before it
    // writes the rows, and the start-up recovery would.
    entry.linked = static_cast<bool>(blobs_.LinkAccepted(p->blob, folders));
    entries.push_back(std::move(entry));
  }
  merger_.Add(std::move(entries), folders);
}

}  // namespace tessera::archive
