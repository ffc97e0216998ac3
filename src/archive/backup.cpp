#include "archive/backup.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/file_ops.h"
#include "base/small_file.h"
#include "base/strings.h"
#include "db/connection.h"
#include "db/snapshot.h"

namespace tessera::archive {
namespace {

constexpr char kIndex[] = "index.db";
constexpr char kNewIndex[] = "index.db.backup";
constexpr char kMarker[] = "tessera-backup";
// A snapshot is taken again when instances it holds were deleted before their
// blobs could be copied; a few rounds settle anything but a mass deletion.
constexpr int kSnapshotRounds = 5;

// "device:inode": what a folder is, whatever path or mount reaches it.
std::optional<std::string> FolderIdentity(const std::filesystem::path& folder) {
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) return std::nullopt;
  return std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino);
}

// "size:mtime": what an index file holds, as far as a server changing it goes.
std::optional<std::string> IndexIdentity(const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return std::nullopt;
  return std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
         std::to_string(info.st_mtim.tv_nsec);
}

// True when `inner` is the folder `outer` or inside it, through any path.
bool Within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  const auto target = FolderIdentity(outer);
  if (!target) return false;
  std::error_code ec;
  auto path = std::filesystem::weakly_canonical(std::filesystem::absolute(inner, ec), ec);
  while (true) {
    if (FolderIdentity(path) == target) return true;
    if (path == path.parent_path() || path.empty()) return false;
    path = path.parent_path();
  }
}

struct Marker {
  std::string source;
  std::vector<std::string> indexes;  // identities of index.db the backup may hold
};

std::optional<Marker> ReadMarker(const std::filesystem::path& file) {
  auto text = ReadSmallFile(file);
  if (!text) return std::nullopt;
  Marker marker;
  for (const auto line : Split(*text, '\n')) {
    if (line.starts_with("source ")) marker.source = std::string(line.substr(7));
    if (line.starts_with("index ")) marker.indexes.emplace_back(line.substr(6));
  }
  if (marker.source.empty()) return std::nullopt;
  return marker;
}

Status WriteMarker(const std::filesystem::path& file, const Marker& marker) {
  std::string text = "source " + marker.source + "\n";
  for (const auto& index : marker.indexes) text += "index " + index + "\n";
  return WriteFileAtomically(file, text, 0640);
}

// A temporary file of WriteFileAtomically's, left by a run stopped while writing.
bool IsLeftOverTemporary(const std::filesystem::path& entry) {
  const std::string name = entry.filename();
  return name.starts_with(".") && name.ends_with(".tmp");
}

bool HasEntries(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    // The root of a freshly made file system has lost+found.
    if (entry.path().filename() != "lost+found" && !IsLeftOverTemporary(entry.path())) {
      return true;
    }
  }
  return false;
}

Status RemoveLeftOverTemporaries(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!IsLeftOverTemporary(entry.path())) continue;
    if (auto status = RemoveFile(entry.path()); !status) return status;
  }
  return Ok();
}

// What makes a backup folder more than a copy: a server ran on it and wrote.
std::optional<std::string> WrittenSinceBackup(const std::filesystem::path& backup_dir,
                                              const Marker& marker) {
  if (HasEntries(backup_dir / "incoming")) return "files a server was receiving";
  std::error_code ec;
  const auto wal_size = std::filesystem::file_size(backup_dir / "index.db-wal", ec);
  if (!ec && wal_size > 0) return "index changes a server has not written into its file";
  const auto index = IndexIdentity(backup_dir / kIndex);
  if (index &&
      std::find(marker.indexes.begin(), marker.indexes.end(), *index) == marker.indexes.end()) {
    return "an index a server has changed";
  }
  return std::nullopt;
}

struct Indexed {
  BlobNumber number;
  std::uint64_t size;
};

// Makes the snapshot at `file` the backup's index-to-be and returns the blobs
// it names, by ascending number. Its garbage table lists blobs the data
// folder's server has yet to unlink, which no instance names and the backup
// never copies: left in, a server started on the backup would clear the rows,
// changing its index, and the next run would take that for a server's own
// work. Written through a rollback journal, so that the copy stays one whole
// file, then marked WAL again as a server opens it, so that opening it changes
// nothing.
Result<std::vector<Indexed>> PrepareSnapshot(const std::filesystem::path& file) {
  auto connection = db::Connection::Open(file, {});
  if (!connection) return std::move(connection).error();
  db::Connection& db = **connection;
  if (auto status = db.Exec("PRAGMA journal_mode = DELETE; DELETE FROM garbage;"); !status) {
    return std::move(status).error();
  }
  std::vector<Indexed> blobs;
  {
    auto statement = db.Prepare("SELECT id, size FROM instances ORDER BY id");
    if (!statement) return std::move(statement).error();
    while (true) {
      auto row = statement->Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      blobs.push_back(
          {statement->ColumnInt(0), static_cast<std::uint64_t>(statement->ColumnInt(1))});
    }
  }
  if (auto status = db.Exec("PRAGMA journal_mode = WAL;"); !status) {
    return std::move(status).error();
  }
  return blobs;
}

// Copies `from` to `to` under a temporary name, fsyncs it and names it (the
// caller syncs the folders). Returns the bytes copied; kNotFound when `from`
// does not exist.
Result<std::uint64_t> CopyBlob(const std::filesystem::path& from, const std::filesystem::path& to) {
  const UniqueFd source(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!source.valid()) {
    if (errno == ENOENT) return Fail(ErrorCode::kNotFound, from.string() + " is gone");
    return FileError("open", from, errno);
  }
  struct stat info {};
  if (::fstat(source.get(), &info) != 0) return FileError("stat", from, errno);
  for (const auto& dir : {to.parent_path().parent_path(), to.parent_path()}) {
    auto created = MakeDirectory(dir);
    if (!created) return std::move(created).error();
  }
  auto temporary = to;
  temporary += ".part";
  const UniqueFd target(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!target.valid()) return FileError("create", temporary, errno);
  const auto size = static_cast<std::uint64_t>(info.st_size);
  off_t offset = 0;
  while (static_cast<std::uint64_t>(offset) < size) {
    const ssize_t sent = ::sendfile(target.get(), source.get(), &offset, size - offset);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0) return FileError("copy to", temporary, errno);
    if (sent == 0) return Fail(ErrorCode::kIo, from.string() + " shrank while it was copied");
  }
  if (auto status = SyncFd(target.get(), temporary); !status) return std::move(status).error();
  if (::rename(temporary.c_str(), to.c_str()) != 0) return FileError("rename", to, errno);
  return size;
}

// A blob's folder entries, up to blobs/: synced whether this run made them or
// an interrupted one did (it may have stopped before syncing them).
void AddFoldersOf(const std::filesystem::path& blob, DirectorySyncSet& dirs) {
  const auto folder = blob.parent_path();
  dirs.Add(folder);
  dirs.Add(folder.parent_path());
  dirs.Add(folder.parent_path().parent_path());
}

// Removes what the backup holds beyond `blobs` (ascending): blobs of instances
// deleted since the last backup, and files an interrupted copy left.
Result<std::size_t> RemoveOtherBlobs(const BlobStore& backup, const std::vector<Indexed>& blobs) {
  std::vector<std::filesystem::path> others;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(backup.blobs_dir(), ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const auto number = BlobStore::ParseBlobName(it->path().filename().native());
    const auto by_number = [](const Indexed& blob, BlobNumber n) { return blob.number < n; };
    if (number) {
      const auto found = std::lower_bound(blobs.begin(), blobs.end(), *number, by_number);
      if (found != blobs.end() && found->number == *number) continue;
    }
    others.push_back(it->path());
  }
  if (ec) return FileError("list", backup.blobs_dir(), ec.value());
  DirectorySyncSet dirs;
  for (const auto& file : others) {
    if (auto status = RemoveFile(file); !status) return std::move(status).error();
    dirs.Add(file.parent_path());
  }
  if (auto status = dirs.Sync(); !status) return std::move(status).error();
  return others.size();
}

// Waits until the running server has settled the instances it had acknowledged
// by now (at most a few seconds); returns how many it has not. Without a
// server nothing would settle them: returns at once.
std::size_t AwaitAcknowledged(const std::filesystem::path& data_dir, bool served) {
  constexpr auto kIndexWait = std::chrono::seconds(5);
  std::vector<std::filesystem::path> waiting;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir / "incoming", ec)) {
    const auto parsed = BlobStore::ParseIncomingName(entry.path().filename().native());
    if (parsed && parsed->accepted) waiting.push_back(entry.path());
  }
  if (waiting.empty() || !served) return waiting.size();
  const auto deadline = std::chrono::steady_clock::now() + kIndexWait;
  while (true) {
    std::erase_if(waiting, [&](const auto& name) { return !std::filesystem::exists(name, ec); });
    if (waiting.empty() || std::chrono::steady_clock::now() >= deadline) return waiting.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

Result<std::unique_ptr<ArchiveBackup>> ArchiveBackup::Open(
    const std::filesystem::path& data_dir, const std::filesystem::path& backup_dir) {
  if (Within(backup_dir, data_dir) || Within(data_dir, backup_dir)) {
    return Fail(ErrorCode::kInvalidArgument,
                "the backup folder must be outside the data folder (and not hold it)");
  }
  std::error_code ec;
  if (!std::filesystem::exists(data_dir / kIndex, ec)) {
    return Fail(ErrorCode::kNotFound, "no archive in " + data_dir.string());
  }
  std::unique_ptr<ArchiveBackup> backup(new ArchiveBackup());
  backup->data_dir_ = data_dir;
  backup->backup_dir_ = backup_dir;
  auto source_id = BlobStore::ArchiveId(data_dir);
  if (!source_id) {
    return Fail(ErrorCode::kNotFound, data_dir.string() +
                                          " has no archive id yet: start its server once with "
                                          "this version of Tessera, then back it up");
  }
  backup->source_id_ = std::move(*source_id);
  const auto marker_file = backup_dir / kMarker;
  const std::string refused = backup_dir.string() + " cannot take this backup: ";
  const bool fresh = !HasEntries(backup_dir);
  const auto marker = ReadMarker(marker_file);
  // Checked before anything is created there: such a folder is left as it is.
  if (!fresh && !marker) {
    return Fail(ErrorCode::kInvalidArgument,
                refused + "it is not empty and holds no Tessera backup; choose an empty folder");
  }
  if (!fresh && marker->source != backup->source_id_) {
    return Fail(ErrorCode::kInvalidArgument,
                refused +
                    "it holds a backup of another data folder (or of this one from before "
                    "it was restored from a backup); choose an empty folder");
  }

  if (fresh) {
    // The marker first: a run stopped right after it made the folder's layout
    // leaves a folder the next run recognises.
    std::filesystem::create_directories(backup_dir, ec);
    if (ec) return FileError("create", backup_dir, ec.value());
    if (auto status = WriteMarker(marker_file, Marker{backup->source_id_, {}}); !status) {
      return std::move(status).error();
    }
  }
  auto store = BlobStore::Open(backup_dir);  // creates and locks it
  if (!store) return std::move(store).error();
  backup->backup_ = std::move(*store);
  if (auto status = RemoveLeftOverTemporaries(backup_dir); !status) {
    return std::move(status).error();
  }
  if (fresh) return backup;
  // With the lock held: no server is writing to it now.
  if (const auto written = WrittenSinceBackup(backup_dir, *marker)) {
    return Fail(ErrorCode::kInvalidArgument,
                refused + "a server has written to it since the last backup (" + *written +
                    "), so it holds more than copies; back up into an empty folder");
  }
  backup->accepted_indexes_ = marker->indexes;
  return backup;
}

Result<BackupReport> ArchiveBackup::Run() {
  auto report = CopyRounds();
  // The snapshot's name, and the side files reading it left, go whatever happened:
  // after a failure they would only take the backup disk's space.
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    (void)RemoveFile(backup_dir_ / (std::string(kNewIndex) + suffix));
  }
  return report;
}

Result<BackupReport> ArchiveBackup::CopyRounds() {
  BackupReport report;
  report.served = BlobStore::InUse(data_dir_);
  report.unindexed = AwaitAcknowledged(data_dir_, report.served);
  const auto snapshot = backup_dir_ / kNewIndex;
  std::set<BlobNumber> gone_before;
  for (int round = 0; round < kSnapshotRounds; ++round) {
    if (auto status = db::SnapshotDatabase(data_dir_ / kIndex, snapshot); !status) {
      return std::move(status).error();
    }
    auto blobs = PrepareSnapshot(snapshot);
    if (!blobs) return std::move(blobs).error();

    DirectorySyncSet dirs;
    std::set<BlobNumber> gone;
    for (const auto& [number, size] : *blobs) {
      const auto target = backup_->BlobPath(number);
      std::error_code ec;
      if (std::filesystem::file_size(target, ec) == size && !ec) {  // blobs never change
        AddFoldersOf(target, dirs);
        continue;
      }
      auto copied = CopyBlob(BlobStore::BlobPathIn(data_dir_ / "blobs", number), target);
      if (!copied && copied.error().code == ErrorCode::kNotFound) {
        // A blob name the server has yet to link (after a full disk) is still
        // under its accepted name.
        const auto accepted = data_dir_ / "incoming" / backup_->AcceptedPath(number).filename();
        copied = CopyBlob(accepted, target);
      }
      if (!copied && copied.error().code == ErrorCode::kNotFound) {
        if (gone_before.contains(number)) {
          return Fail(ErrorCode::kCorrupt,
                      "the data folder's index names a file that is missing: " +
                          BlobStore::BlobPathIn(data_dir_ / "blobs", number).string());
        }
        gone.insert(number);
        continue;
      }
      if (!copied) return std::move(copied).error();
      AddFoldersOf(target, dirs);
      ++report.copied;
      report.bytes_copied += *copied;
    }
    if (auto status = dirs.Sync(); !status) return std::move(status).error();
    if (!gone.empty()) {  // deleted since the snapshot: take another
      gone_before = std::move(gone);
      continue;
    }

    // Every blob of the snapshot is durable here: it becomes the backup's index.
    // The marker allows the old and the new one while the name changes hands.
    const auto index = IndexIdentity(snapshot);
    if (!index) return FileError("stat", snapshot, errno);
    Marker marker{source_id_, accepted_indexes_};
    marker.indexes.push_back(*index);
    if (auto status = WriteMarker(backup_dir_ / kMarker, marker); !status) {
      return std::move(status).error();
    }
    for (const char* side : {"-wal", "-shm"}) {
      if (auto status = RemoveFile(backup_dir_ / (std::string(kIndex) + side)); !status) {
        return std::move(status).error();
      }
    }
    if (::rename(snapshot.c_str(), (backup_dir_ / kIndex).c_str()) != 0) {
      return FileError("rename", backup_dir_ / kIndex, errno);
    }
    if (auto status = SyncDirectory(backup_dir_); !status) return std::move(status).error();
    accepted_indexes_ = {*index};
    if (auto status = WriteMarker(backup_dir_ / kMarker, Marker{source_id_, accepted_indexes_});
        !status) {
      return std::move(status).error();
    }
    auto removed = RemoveOtherBlobs(*backup_, *blobs);
    if (!removed) return std::move(removed).error();
    report.removed = *removed;
    report.instances = blobs->size();
    return report;
  }
  return Fail(ErrorCode::kUnavailable,
              "instances kept being deleted while their files were copied; run the backup again");
}

}  // namespace tessera::archive
