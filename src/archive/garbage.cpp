#include "archive/garbage.h"

#include "archive/sql_helpers.h"

namespace tessera::archive {

Status Garbage::Dispose(std::span<const BlobNumber> blobs) {
  std::vector<BlobNumber> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(failed_);
  }
  all.insert(all.end(), blobs.begin(), blobs.end());
  if (all.empty()) return Ok();
  // The row may only go once the names are durably gone, or a power loss could
  // bring back a file that nothing points to, or an accepted name that the
  // start-up recovery would store again. Removing a name again is harmless.
  const Status removed = blobs_.RemoveDurably(all);
  std::lock_guard lock(mutex_);
  auto& into = removed ? disposed_ : failed_;
  into.insert(into.end(), all.begin(), all.end());
  return removed;
}

Garbage::Forgetting::Forgetting(Garbage& garbage, IndexWriter& writer) : garbage_(garbage) {
  {
    std::lock_guard lock(garbage_.mutex_);
    numbers_.swap(garbage_.disposed_);
  }
  dropped_ = numbers_.empty() || static_cast<bool>(writer.ForgetGarbage(numbers_));
}

Garbage::Forgetting::~Forgetting() {
  if (numbers_.empty()) return;
  std::lock_guard lock(garbage_.mutex_);
  garbage_.disposed_.insert(garbage_.disposed_.end(), numbers_.begin(), numbers_.end());
}

Status Garbage::Recover(db::Database& db, const BlobStore& blobs, const WriterSql& sql) {
  return db.Write([&](db::Connection& connection) -> Status {
    std::vector<BlobNumber> garbage;
    {
      auto statement = connection.Prepare("SELECT blob FROM garbage");
      if (!statement) return std::move(statement).error();
      while (true) {
        auto row = statement->Step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        garbage.push_back(statement->ColumnInt(0));
      }
    }
    if (garbage.empty()) return Ok();
    DirectorySyncSet dirs;
    if (auto status = blobs.RemoveBlobs(garbage, dirs); !status) return status;
    if (auto status = dirs.Sync(); !status) return status;
    db::Transaction transaction(connection);
    if (auto status = transaction.Begin(); !status) return status;
    IndexWriter writer(connection, sql);
    if (auto status = writer.ForgetGarbage(garbage); !status) return status;
    return transaction.Commit();
  });
}

}  // namespace tessera::archive
