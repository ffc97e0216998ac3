#include "archive/recovery.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "archive/file_ops.h"
#include "archive/garbage.h"
#include "archive/sql_helpers.h"

namespace tessera::archive {

static const std::string kLastNumber =
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'instances'), 0), "
    "coalesce((SELECT max(id) FROM instances), 0), coalesce((SELECT max(blob) FROM garbage), 0))";

// Settles the files left in incoming/. Returns the highest number seen there.
static Result<BlobNumber> RecoverIncoming(db::Database& db, const BlobStore& blobs,
                                          const WriterSql& sql) {
  std::vector<std::filesystem::path> leftovers;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(blobs.incoming_dir(), ec)) {
    leftovers.push_back(entry.path());
  }
  if (ec) return IoError("list", blobs.incoming_dir(), ec.value());
  if (leftovers.empty()) return BlobNumber{0};

  BlobNumber highest = 0;
  std::vector<std::filesystem::path> done;  // incoming names to unlink last
  std::vector<BlobNumber> committed;
  std::vector<BlobNumber> uncommitted;
  for (const auto& path : leftovers) {
    const auto number = BlobStore::ParseIncomingName(path.filename().native());
    if (!number) {
      (void)RemoveFile(path);  // not ours: nothing refers to it (a folder stays)
      continue;
    }
    highest = std::max(highest, *number);
    auto stored = db.Write(
        [&](db::Connection& connection) { return IndexWriter(connection, sql).IsStored(*number); });
    if (!stored) return std::move(stored).error();
    (*stored ? committed : uncommitted).push_back(*number);
    done.push_back(path);
  }
  // A committed instance's blob name may not have reached the disk (its folder
  // is fsynced after the acknowledgement): it is linked again from the incoming
  // name. The blob names of uncommitted instances go. Both durably, before any
  // incoming name goes, so that an interrupted recovery can start over.
  DirectorySyncSet dirs;
  for (const BlobNumber number : committed) {
    if (auto status = blobs.RestoreLink(number, dirs); !status) return std::move(status).error();
  }
  if (auto status = blobs.RemoveBlobs(uncommitted, dirs); !status) return std::move(status).error();
  if (auto status = dirs.Sync(); !status) return std::move(status).error();
  for (const auto& path : done) {
    if (auto status = RemoveFile(path); !status) return std::move(status).error();
  }
  if (auto status = blobs.SyncIncomingDir(); !status) return std::move(status).error();
  return highest;
}

Result<BlobNumber> Recover(db::Database& db, const BlobStore& blobs, const WriterSql& sql) {
  if (auto status = Garbage::Recover(db, blobs, sql); !status) return std::move(status).error();
  auto highest_incoming = RecoverIncoming(db, blobs, sql);
  if (!highest_incoming) return std::move(highest_incoming).error();
  auto last =
      db.Write([&](db::Connection& connection) { return QueryInt(connection, kLastNumber); });
  if (!last) return std::move(last).error();
  return std::max(last->value_or(0), *highest_incoming) + 1;
}

}  // namespace tessera::archive
