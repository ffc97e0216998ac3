#include "db/snapshot.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "db/connection.h"

namespace tessera::db {
namespace {

// sqlite3_backup_* with its handle closed on every path.
class Backup {
 public:
  Backup(sqlite3* to, sqlite3* from) : backup_(sqlite3_backup_init(to, "main", from, "main")) {}
  ~Backup() {
    if (backup_ != nullptr) sqlite3_backup_finish(backup_);
  }
  Backup(const Backup&) = delete;
  Backup& operator=(const Backup&) = delete;

  sqlite3_backup* get() const { return backup_; }
  // Ends the copy; its result is the copy's.
  int Finish() { return sqlite3_backup_finish(std::exchange(backup_, nullptr)); }

 private:
  sqlite3_backup* backup_;
};

Status SyncFile(const std::filesystem::path& file) {
  const UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    const int error = errno;
    return Fail(error == ENOSPC ? ErrorCode::kStorageFull : ErrorCode::kIo,
                "fsync " + file.string() + ": " + std::strerror(error));
  }
  return Ok();
}

}  // namespace

Status SnapshotDatabase(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  if (!std::filesystem::exists(from, ec)) {
    return Fail(ErrorCode::kNotFound, from.string() + " does not exist");
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(to.string() + suffix, ec);
  }
  // Read-write, never created: opening a WAL database read-only would fail
  // where no server keeps its shared-memory file.
  sqlite3* raw_source = nullptr;
  const int opened = sqlite3_open_v2(from.c_str(), &raw_source,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  const std::unique_ptr<sqlite3, int (*)(sqlite3*)> source(raw_source, sqlite3_close_v2);
  if (opened != SQLITE_OK) return SqliteError(raw_source, opened, "open " + from.string());
  sqlite3_busy_timeout(raw_source, 10000);

  ConnectionOptions options;
  options.synchronous_full = true;
  auto target = Connection::Open(to, options);
  if (!target) return std::move(target).error();

  // One step of every page: the source's read transaction spans the whole copy,
  // which is what makes it a snapshot. A writer's checkpoint may hold the
  // source busy for a moment; wait for it.
  Backup backup((*target)->raw(), source.get());
  if (backup.get() == nullptr) {
    return SqliteError((*target)->raw(), sqlite3_errcode((*target)->raw()), "backup");
  }
  int stepped = SQLITE_OK;
  for (int attempt = 0; attempt < 100; ++attempt) {
    stepped = sqlite3_backup_step(backup.get(), -1);
    if (stepped != SQLITE_BUSY && stepped != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int finished = backup.Finish();
  if (stepped != SQLITE_DONE) return SqliteError((*target)->raw(), stepped, "backup step");
  if (finished != SQLITE_OK) return SqliteError((*target)->raw(), finished, "backup");
  target->reset();  // checkpoints the copy into its file
  return SyncFile(to);
}

}  // namespace tessera::db
