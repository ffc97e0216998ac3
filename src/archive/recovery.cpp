#include "archive/recovery.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <sys/stat.h>

#include "archive/file_ops.h"
#include "archive/garbage.h"
#include "archive/instance_record.h"
#include "archive/sql_helpers.h"
#include "dicom/instance_reader.h"

namespace tessera::archive {

static const std::string kLastNumber =
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'instances'), 0), "
    "coalesce((SELECT max(id) FROM instances), 0), coalesce((SELECT max(blob) FROM garbage), 0))";
static const std::string kIsGarbage = "SELECT 1 FROM garbage WHERE blob = ?";

namespace {

struct Leftover {
  BlobNumber number = 0;
  std::filesystem::path path;
};

// What start-up does with each leftover: the blob names of `committed` are
// linked again, those of `gone` removed; then every incoming name goes.
struct Verdicts {
  std::vector<Leftover> committed;
  std::vector<BlobNumber> gone;
};

enum class Fate {
  kCommitted,  // its row is in the index
  kGone,       // never accepted, or merged and then replaced or deleted
  kUnmerged,   // accepted, and the merger did not get to it
};

Result<Fate> FateOf(db::Database& db, const WriterSql& sql, BlobNumber number, bool accepted) {
  return db.Write([&](db::Connection& connection) -> Result<Fate> {
    auto stored = IndexWriter(connection, sql).IsStored(number);
    if (!stored) return std::move(stored).error();
    if (*stored) return Fate::kCommitted;
    if (!accepted) return Fate::kGone;
    auto garbage = QueryInt(connection, kIsGarbage, number);
    if (!garbage) return std::move(garbage).error();
    return garbage->has_value() ? Fate::kGone : Fate::kUnmerged;
  });
}

// Parses an accepted file into its index record; stored_at is when it arrived.
Result<InstanceRecord> ReadAccepted(const std::filesystem::path& path) {
  dicom::ReadOptions options;
  options.bulk_data_uri_prefix = std::string(Archive::kBulkDataMarker);
  auto info = dicom::ReadInstance(path, options);
  if (!info) return std::move(info).error();
  struct stat file_stat {};
  if (::stat(path.c_str(), &file_stat) != 0) return FileError("stat", path, errno);
  const std::int64_t stored_at_ms = static_cast<std::int64_t>(file_stat.st_mtim.tv_sec) * 1000 +
                                    file_stat.st_mtim.tv_nsec / 1'000'000;
  return MakeInstanceRecord(*info, static_cast<std::uint64_t>(file_stat.st_size), stored_at_ms);
}

// Writes the rows of the accepted instances that the merger did not get to, in
// one transaction and in number order (the order they were received in).
Status IndexAccepted(db::Database& db, const WriterSql& sql, DuplicatePolicy duplicates,
                     const std::vector<Leftover>& unmerged, Verdicts& verdicts) {
  if (unmerged.empty()) return Ok();
  return db.Write([&](db::Connection& connection) -> Status {
    db::Transaction transaction(connection);
    if (auto status = transaction.Begin(); !status) return status;
    IndexWriter writer(connection, sql);
    for (const Leftover& leftover : unmerged) {
      auto record = ReadAccepted(leftover.path);
      if (!record) {
        return Fail(record.error().code, "cannot index the accepted file " +
                                             leftover.path.string() + ": " +
                                             record.error().message);
      }
      auto existing = writer.Find(record->sop_instance_uid);
      if (!existing) return std::move(existing).error();
      if (*existing && duplicates == DuplicatePolicy::kKeep) {
        verdicts.gone.push_back(leftover.number);
        continue;
      }
      // A replaced blob gets a garbage row, which Garbage::Recover then settles.
      if (auto status = writer.Insert(*record, leftover.number, *existing); !status) return status;
      verdicts.committed.push_back(leftover);
    }
    return transaction.Commit();
  });
}

}  // namespace

// Settles the files left in incoming/. Returns the highest number seen there.
static Result<BlobNumber> RecoverIncoming(db::Database& db, const BlobStore& blobs,
                                          const WriterSql& sql, DuplicatePolicy duplicates,
                                          RecoveryReport& report) {
  std::vector<Leftover> received;  // <n>.part
  std::vector<Leftover> accepted;  // <n>.accepted
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(blobs.incoming_dir(), ec)) {
    const auto name = BlobStore::ParseIncomingName(entry.path().filename().native());
    if (!name) {
      (void)RemoveFile(entry.path());  // not ours: nothing refers to it (a folder stays)
      continue;
    }
    (name->accepted ? accepted : received).push_back(Leftover{name->number, entry.path()});
  }
  if (ec) return FileError("list", blobs.incoming_dir(), ec.value());
  if (received.empty() && accepted.empty()) return BlobNumber{0};

  BlobNumber highest = 0;
  Verdicts verdicts;
  std::vector<Leftover> unmerged;
  for (const auto* group : {&received, &accepted}) {
    for (const Leftover& leftover : *group) {
      highest = std::max(highest, leftover.number);
      auto fate = FateOf(db, sql, leftover.number, group == &accepted);
      if (!fate) return std::move(fate).error();
      switch (*fate) {
        case Fate::kCommitted:
          verdicts.committed.push_back(leftover);
          break;
        case Fate::kGone:
          verdicts.gone.push_back(leftover.number);
          break;
        case Fate::kUnmerged:
          unmerged.push_back(leftover);
          break;
      }
    }
  }
  std::sort(unmerged.begin(), unmerged.end(),
            [](const Leftover& a, const Leftover& b) { return a.number < b.number; });
  const std::size_t settled = verdicts.committed.size();
  if (auto status = IndexAccepted(db, sql, duplicates, unmerged, verdicts); !status) {
    return std::move(status).error();
  }

  // A committed instance's blob name may not have reached the disk (its folder
  // is fsynced after the acknowledgement): it is linked again from the incoming
  // name. The other blob names go. Both durably, before any incoming name goes,
  // so that an interrupted recovery can start over.
  DirectorySyncSet dirs;
  for (const Leftover& leftover : verdicts.committed) {
    if (auto status = blobs.RestoreLink(leftover.number, leftover.path, dirs); !status) {
      return std::move(status).error();
    }
  }
  if (auto status = blobs.RemoveBlobs(verdicts.gone, dirs); !status) {
    return std::move(status).error();
  }
  if (auto status = dirs.Sync(); !status) return std::move(status).error();
  for (const auto* group : {&received, &accepted}) {
    for (const Leftover& leftover : *group) {
      if (auto status = RemoveFile(leftover.path); !status) return std::move(status).error();
    }
  }
  if (auto status = blobs.SyncIncomingDir(); !status) return std::move(status).error();
  report.settled = settled;
  report.indexed = verdicts.committed.size() - settled;
  report.removed = verdicts.gone.size();
  return highest;
}

Result<BlobNumber> Recover(db::Database& db, const BlobStore& blobs, const WriterSql& sql,
                           DuplicatePolicy duplicates, RecoveryReport& report) {
  // Incoming first: whether an accepted name was merged depends on the garbage
  // rows, which Garbage::Recover empties.
  auto highest_incoming = RecoverIncoming(db, blobs, sql, duplicates, report);
  if (!highest_incoming) return std::move(highest_incoming).error();
  if (auto status = Garbage::Recover(db, blobs, sql); !status) return std::move(status).error();
  auto last =
      db.Write([&](db::Connection& connection) { return QueryInt(connection, kLastNumber); });
  if (!last) return std::move(last).error();
  return std::max(last->value_or(0), *highest_incoming) + 1;
}

}  // namespace tessera::archive
