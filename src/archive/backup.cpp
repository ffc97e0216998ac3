#include "archive/backup.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/blob_store.h"
#include "archive/file_ops.h"
#include "db/connection.h"
#include "db/snapshot.h"

namespace tessera::archive {
namespace {

constexpr char kIndex[] = "index.db";
constexpr char kNewIndex[] = "index.db.backup";
// A snapshot is taken again when instances it holds were deleted before their
// blobs could be copied; a few rounds settle anything but a mass deletion.
constexpr int kSnapshotRounds = 5;

// The blob numbers (instance row ids) in the index at `file`, ascending.
Result<std::vector<BlobNumber>> IndexedBlobs(const std::filesystem::path& file) {
  db::ConnectionOptions options;
  options.read_only = true;
  auto connection = db::Connection::Open(file, options);
  if (!connection) return std::move(connection).error();
  auto statement = (*connection)->Prepare("SELECT id FROM instances ORDER BY id");
  if (!statement) return std::move(statement).error();
  std::vector<BlobNumber> numbers;
  while (true) {
    auto row = statement->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    numbers.push_back(statement->ColumnInt(0));
  }
  return numbers;
}

// Copies `from` to `to` under a temporary name, fsyncs it and names it; adds
// the folders that changed to `dirs`. Returns the bytes copied; kNotFound when
// `from` does not exist.
Result<std::uint64_t> CopyBlob(const std::filesystem::path& from, const std::filesystem::path& to,
                               DirectorySyncSet& dirs) {
  const UniqueFd source(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!source.valid()) {
    if (errno == ENOENT) return Fail(ErrorCode::kNotFound, from.string() + " is gone");
    return IoError("open", from, errno);
  }
  struct stat info {};
  if (::fstat(source.get(), &info) != 0) return IoError("stat", from, errno);
  for (const auto& dir : {to.parent_path().parent_path(), to.parent_path()}) {
    auto created = MakeDirectory(dir);
    if (!created) return std::move(created).error();
    if (*created) dirs.Add(dir.parent_path());
  }
  auto temporary = to;
  temporary += ".part";
  const UniqueFd target(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!target.valid()) return IoError("create", temporary, errno);
  const auto size = static_cast<std::uint64_t>(info.st_size);
  off_t offset = 0;
  while (static_cast<std::uint64_t>(offset) < size) {
    const ssize_t sent = ::sendfile(target.get(), source.get(), &offset, size - offset);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0) return IoError("copy to", temporary, errno);
    if (sent == 0) return Fail(ErrorCode::kIo, from.string() + " shrank while it was copied");
  }
  if (auto status = SyncFd(target.get(), temporary); !status) return std::move(status).error();
  if (::rename(temporary.c_str(), to.c_str()) != 0) return IoError("rename", to, errno);
  dirs.Add(to.parent_path());
  return size;
}

// Copies the blobs of `numbers` that the backup lacks. Returns how many were
// gone from the data folder (deleted since the snapshot).
Result<std::size_t> CopyMissingBlobs(const std::filesystem::path& data_dir, const BlobStore& backup,
                                     const std::vector<BlobNumber>& numbers, BackupReport& report) {
  DirectorySyncSet dirs;
  std::size_t gone = 0;
  std::error_code ec;
  for (const BlobNumber number : numbers) {
    const auto target = backup.BlobPath(number);
    if (std::filesystem::exists(target, ec)) continue;  // blobs never change
    auto copied = CopyBlob(BlobStore::BlobPathIn(data_dir / "blobs", number), target, dirs);
    if (!copied && copied.error().code == ErrorCode::kNotFound) {
      // A blob name the server has yet to link (after a full disk) is still
      // under its accepted name.
      auto accepted = data_dir / "incoming" / backup.AcceptedPath(number).filename();
      copied = CopyBlob(accepted, target, dirs);
    }
    if (!copied && copied.error().code == ErrorCode::kNotFound) {
      ++gone;
      continue;
    }
    if (!copied) return std::move(copied).error();
    ++report.copied;
    report.bytes_copied += *copied;
  }
  if (auto status = dirs.Sync(); !status) return std::move(status).error();
  return gone;
}

// Removes what the backup holds beyond `numbers` (ascending): blobs of
// instances deleted since the last backup, and files an interrupted copy left.
Result<std::size_t> RemoveOtherBlobs(const BlobStore& backup,
                                     const std::vector<BlobNumber>& numbers) {
  const auto& blobs_dir = backup.blobs_dir();
  std::vector<std::filesystem::path> others;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(blobs_dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const auto number = BlobStore::ParseBlobName(it->path().filename().native());
    if (number && std::binary_search(numbers.begin(), numbers.end(), *number)) continue;
    others.push_back(it->path());
  }
  if (ec) return IoError("list", blobs_dir, ec.value());
  DirectorySyncSet dirs;
  for (const auto& file : others) {
    if (auto status = RemoveFile(file); !status) return std::move(status).error();
    dirs.Add(file.parent_path());
  }
  if (auto status = dirs.Sync(); !status) return std::move(status).error();
  return others.size();
}

// Files in the backup's incoming/ belong to a server that ran on the backup;
// they are not the data folder's, and a start on the new index would take them.
Status ClearIncoming(const BlobStore& backup) {
  std::error_code ec;
  bool removed = false;
  for (const auto& entry : std::filesystem::directory_iterator(backup.incoming_dir(), ec)) {
    if (auto status = RemoveFile(entry.path()); !status) return status;
    removed = true;
  }
  if (ec) return IoError("list", backup.incoming_dir(), ec.value());
  return removed ? backup.SyncIncomingDir() : Ok();
}

// The accepted names in `incoming`: instances acknowledged and not yet settled
// (indexed, their blob names durable).
std::vector<std::filesystem::path> AcceptedNames(const std::filesystem::path& incoming) {
  std::vector<std::filesystem::path> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(incoming, ec)) {
    const auto parsed = BlobStore::ParseIncomingName(entry.path().filename().native());
    if (parsed && parsed->accepted) names.push_back(entry.path());
  }
  return names;
}

// True when a server holds the data folder (its lock on incoming/).
bool Served(const std::filesystem::path& incoming) {
  auto dir = OpenDirectory(incoming);
  if (!dir) return false;
  if (::flock(dir->get(), LOCK_EX | LOCK_NB) == 0) return false;  // released on close
  return errno == EWOULDBLOCK;
}

// Waits until the running server has settled the instances it had acknowledged
// by now (at most kIndexWait); returns how many it has not. Without a server,
// nothing would settle them: returns at once.
std::size_t AwaitAcknowledged(const std::filesystem::path& data_dir) {
  constexpr auto kIndexWait = std::chrono::seconds(5);
  const auto incoming = data_dir / "incoming";
  auto waiting = AcceptedNames(incoming);
  if (waiting.empty() || !Served(incoming)) return waiting.size();
  const auto deadline = std::chrono::steady_clock::now() + kIndexWait;
  while (true) {
    std::error_code ec;
    std::erase_if(waiting, [&](const auto& name) { return !std::filesystem::exists(name, ec); });
    if (waiting.empty() || std::chrono::steady_clock::now() >= deadline) return waiting.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// True when one folder is the other or inside it, once links are resolved.
bool Overlap(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  const auto first = std::filesystem::weakly_canonical(a, ec);
  const auto second = std::filesystem::weakly_canonical(b, ec);
  const auto inside = [](const std::filesystem::path& outer, const std::filesystem::path& inner) {
    const auto [end, _] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
    return end == outer.end() || (std::next(end) == outer.end() && end->empty());
  };
  return inside(first, second) || inside(second, first);
}

}  // namespace

Result<BackupReport> BackUpArchive(const std::filesystem::path& data_dir,
                                   const std::filesystem::path& backup_dir) {
  if (Overlap(data_dir, backup_dir)) {
    return Fail(ErrorCode::kInvalidArgument,
                "the backup folder must be outside the data folder (and not hold it)");
  }
  std::error_code ec;
  if (!std::filesystem::exists(data_dir / kIndex, ec)) {
    return Fail(ErrorCode::kNotFound, "no archive in " + data_dir.string());
  }
  auto backup = BlobStore::Open(backup_dir);  // creates and locks it
  if (!backup) return std::move(backup).error();
  if (auto status = ClearIncoming(**backup); !status) return std::move(status).error();

  const auto snapshot = backup_dir / kNewIndex;
  BackupReport report;
  report.unindexed = AwaitAcknowledged(data_dir);
  for (int round = 0; round < kSnapshotRounds; ++round) {
    if (auto status = db::SnapshotDatabase(data_dir / kIndex, snapshot); !status) {
      return std::move(status).error();
    }
    auto numbers = IndexedBlobs(snapshot);
    if (!numbers) return std::move(numbers).error();
    auto gone = CopyMissingBlobs(data_dir, **backup, *numbers, report);
    if (!gone) return std::move(gone).error();
    if (*gone != 0) continue;

    // Every blob of the snapshot is durable here: it becomes the backup's index.
    // The log of a server that ran on the backup belongs to the index replaced.
    for (const char* suffix : {"-wal", "-shm"}) {
      if (auto status = RemoveFile(backup_dir / (std::string(kIndex) + suffix)); !status) {
        return std::move(status).error();
      }
    }
    if (::rename(snapshot.c_str(), (backup_dir / kIndex).c_str()) != 0) {
      return IoError("rename", backup_dir / kIndex, errno);
    }
    if (auto status = SyncDirectory(backup_dir); !status) return std::move(status).error();
    auto removed = RemoveOtherBlobs(**backup, *numbers);
    if (!removed) return std::move(removed).error();
    report.removed = *removed;
    report.instances = numbers->size();
    return report;
  }
  (void)RemoveFile(snapshot);
  return Fail(ErrorCode::kUnavailable,
              "instances kept being deleted while their files were copied; run the backup again");
}

}  // namespace tessera::archive
