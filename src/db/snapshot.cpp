#include "db/snapshot.h"

#include <cerrno>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "db/statement.h"

namespace tessera::db {
namespace {

using Handle = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;

Result<Handle> OpenFile(const std::filesystem::path& file, int flags) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Handle handle(raw, sqlite3_close);
  if (opened != SQLITE_OK) return SqliteError(raw, opened, "open " + file.string());
  sqlite3_extended_result_codes(raw, 1);
  return handle;
}

Status Exec(sqlite3* db, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, sql);
  return Ok();
}

bool SameFile(const std::filesystem::path& a, const std::filesystem::path& b) {
  struct stat first {
  }, second{};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 &&
         first.st_dev == second.st_dev && first.st_ino == second.st_ino;
}

// Copies every page in one step: the source's read transaction spans the whole
// copy, which is what makes it a snapshot. A writer's checkpoint may hold the
// source for a moment; each step waits out the busy timeout.
Status CopyPages(sqlite3* to, sqlite3* from) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) return SqliteError(to, sqlite3_errcode(to), "backup");
  int stepped = SQLITE_OK;
  for (int attempt = 0; attempt < 10; ++attempt) {
    stepped = sqlite3_backup_step(backup, -1);
    if (stepped != SQLITE_BUSY && stepped != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int finished = sqlite3_backup_finish(backup);
  if (stepped == SQLITE_BUSY || stepped == SQLITE_LOCKED) {
    return Fail(ErrorCode::kUnavailable, "the database stayed locked; try again");
  }
  if (stepped != SQLITE_DONE) return SqliteError(to, stepped, "backup step");
  if (finished != SQLITE_OK) return SqliteError(to, finished, "backup");
  return Ok();
}

}  // namespace

Status SnapshotDatabase(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  if (!std::filesystem::exists(from, ec)) {
    return Fail(ErrorCode::kNotFound, from.string() + " does not exist");
  }
  if (SameFile(from, to)) {
    return Fail(ErrorCode::kInvalidArgument, to.string() + " is the database being copied");
  }
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    if (::unlink((to.string() + suffix).c_str()) != 0 && errno != ENOENT) {
      return FileError("remove", to.string() + suffix, errno);
    }
  }
  auto source = OpenFile(from, SQLITE_OPEN_READONLY);
  if (!source) return std::move(source).error();
  // SQLite reads a WAL database through its -wal and -shm files, and makes them
  // (empty) where no server left them; a read-only mount has no room for that.
  sqlite3_busy_timeout(source->get(), 10000);
  {
    auto target = OpenFile(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!target) return std::move(target).error();
    // A rollback journal, not a WAL: the committed copy is then the file itself.
    if (auto status = Exec(target->get(),
                           "PRAGMA journal_mode = DELETE; "
                           "PRAGMA synchronous = FULL;");
        !status) {
      return status;
    }
    if (auto status = CopyPages(target->get(), source->get()); !status) {
      return Fail(status.error().code,
                  "cannot copy " + from.string() + " (" + status.error().message + ")");
    }
    const int closed = sqlite3_close(target->release());
    if (closed != SQLITE_OK) return Fail(ErrorCode::kIo, "close " + to.string());
  }
  const UniqueFd fd(::open(to.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return FileError("open", to, errno);
  if (::fsync(fd.get()) != 0) return FileError("fsync", to, errno);
  return Ok();
}

}  // namespace tessera::db
