#include "archive/blob_store.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <random>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/file_ops.h"
#include "base/small_file.h"
#include "base/strings.h"

namespace tessera::archive {

static constexpr std::string_view kIncomingSuffix = ".part";
static constexpr std::string_view kAcceptedSuffix = ".accepted";
static constexpr std::string_view kBlobSuffix = ".dcm";

Status DirectorySyncSet::Sync() const {
  // Deeper paths sort after their parents; syncing in reverse makes a new
  // folder's entries durable before the entry naming the folder.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    if (auto status = SyncDirectory(*it); !status) return status;
  }
  return Ok();
}

static std::filesystem::path ArchiveIdFile(const std::filesystem::path& data_dir) {
  return data_dir / "archive-id";
}

// Made under the folder's lock, so two first opens cannot both make one.
static Status EnsureArchiveId(const std::filesystem::path& data_dir) {
  auto existing = ReadSmallFile(ArchiveIdFile(data_dir));
  if (existing) return Ok();
  if (existing.error().code != ErrorCode::kNotFound) return std::move(existing).error();
  std::random_device random;  // the kernel's generator: an identifier, not a secret
  std::string id;
  for (int i = 0; i < 4; ++i) {
    char word[9];
    std::snprintf(word, sizeof word, "%08x", static_cast<unsigned>(random()));
    id += word;
  }
  return WriteFileAtomically(ArchiveIdFile(data_dir), id + "\n", 0640);
}

Result<std::string> BlobStore::ArchiveId(const std::filesystem::path& data_dir) {
  auto id = ReadSmallFile(ArchiveIdFile(data_dir));
  if (!id) return std::move(id).error();
  return std::string(Trim(*id));
}

bool BlobStore::InUse(const std::filesystem::path& data_dir) {
  // A shared lock, released with the descriptor: two checks never fail each other.
  const UniqueFd fd(::open((data_dir / "incoming").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return false;  // never opened
  return ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

Result<std::unique_ptr<BlobStore>> BlobStore::Open(const std::filesystem::path& folder,
                                                   std::uint64_t min_free_bytes) {
  // Absolute, so that a new folder named without one ("data") has a parent to sync.
  std::error_code ec;
  const auto data_dir = std::filesystem::absolute(folder, ec);
  if (ec) return Fail(ErrorCode::kIo, "no absolute path for " + folder.string());
  std::unique_ptr<BlobStore> store(new BlobStore());
  store->blobs_dir_ = data_dir / "blobs";
  store->incoming_dir_ = data_dir / "incoming";
  for (const auto& dir : {data_dir, store->blobs_dir_, store->incoming_dir_}) {
    auto created = MakeDirectory(dir);
    if (!created) return std::move(created).error();
    if (!*created) continue;
    if (auto status = SyncDirectory(dir.parent_path()); !status) return std::move(status).error();
  }
  auto fd = OpenDirectory(store->incoming_dir_);
  if (!fd) return std::move(fd).error();
  if (::flock(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Fail(ErrorCode::kUnavailable,
                  "data folder " + data_dir.string() + " is in use by another process");
    }
    return FileError("flock", store->incoming_dir_, errno);
  }
  store->incoming_fd_ = std::move(*fd);
  if (auto status = EnsureArchiveId(data_dir); !status) return std::move(status).error();
  store->floor_ =
      std::make_unique<FreeSpaceFloor>(store->incoming_fd_.get(), data_dir, min_free_bytes);
  return store;
}

std::filesystem::path BlobStore::BlobPathIn(const std::filesystem::path& blobs_dir,
                                            BlobNumber number) {
  const auto n = static_cast<unsigned long long>(number);
  char top[24];
  char middle[8];
  char name[32];
  std::snprintf(top, sizeof top, "%04llx", n >> 24);
  std::snprintf(middle, sizeof middle, "%03llx", (n >> 12) & 0xfff);
  std::snprintf(name, sizeof name, "%llx.dcm", n);
  return blobs_dir / top / middle / name;
}

static std::string HexName(BlobNumber number, std::string_view suffix) {
  char name[32];
  std::snprintf(name, sizeof name, "%llx", static_cast<unsigned long long>(number));
  std::string file(name);
  file += suffix;
  return file;
}

std::filesystem::path BlobStore::IncomingPath(BlobNumber number) const {
  return incoming_dir_ / HexName(number, kIncomingSuffix);
}

std::filesystem::path BlobStore::AcceptedPath(BlobNumber number) const {
  return incoming_dir_ / HexName(number, kAcceptedSuffix);
}

// A positive blob number in hex, as file names spell it (at most 15 digits).
static std::optional<BlobNumber> ParseHexNumber(std::string_view digits) {
  if (digits.empty() || digits.size() > 15) return std::nullopt;
  BlobNumber number = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number, 16);
  if (ec != std::errc() || end != digits.data() + digits.size() || number <= 0) {
    return std::nullopt;
  }
  return number;
}

auto BlobStore::ParseIncomingName(std::string_view file_name) -> std::optional<IncomingName> {
  IncomingName parsed;
  std::string_view digits;
  if (file_name.ends_with(kIncomingSuffix)) {
    digits = file_name.substr(0, file_name.size() - kIncomingSuffix.size());
  } else if (file_name.ends_with(kAcceptedSuffix)) {
    digits = file_name.substr(0, file_name.size() - kAcceptedSuffix.size());
    parsed.accepted = true;
  }
  const auto number = ParseHexNumber(digits);
  if (!number) return std::nullopt;
  parsed.number = *number;
  return parsed;
}

std::optional<BlobNumber> BlobStore::ParseBlobName(std::string_view file_name) {
  if (!file_name.ends_with(kBlobSuffix)) return std::nullopt;
  return ParseHexNumber(file_name.substr(0, file_name.size() - kBlobSuffix.size()));
}

std::optional<BlobNumber> BlobStore::IncomingNumber(const std::filesystem::path& path) const {
  if (path.parent_path() != incoming_dir_) return std::nullopt;
  const auto parsed = ParseIncomingName(path.filename().native());
  if (!parsed || parsed->accepted) return std::nullopt;
  return parsed->number;
}

Result<IncomingFile> BlobStore::NewIncoming() {
  if (auto room = floor_->Check(); !room) return std::move(room).error();
  const BlobNumber number = next_number_.fetch_add(1);
  auto path = IncomingPath(number);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return FileError("create", path, errno);
  return IncomingFile(std::move(path), UniqueFd(fd), floor_.get());
}

Status BlobStore::Accept(BlobNumber number) const {
  const auto target = AcceptedPath(number);
  if (::rename(IncomingPath(number).c_str(), target.c_str()) != 0) {
    return FileError("rename", target, errno);
  }
  return Ok();
}

Status BlobStore::LinkAccepted(BlobNumber number, DirectorySyncSet& dirs) const {
  return Link(AcceptedPath(number), number, dirs, false);
}

Status BlobStore::RestoreLink(BlobNumber number, const std::filesystem::path& source,
                              DirectorySyncSet& dirs) const {
  return Link(source, number, dirs, true);
}

Status BlobStore::Link(const std::filesystem::path& source, BlobNumber number,
                       DirectorySyncSet& dirs, bool existing_is_fine) const {
  const auto target = BlobPath(number);
  const auto folder = target.parent_path();
  if (::link(source.c_str(), target.c_str()) != 0) {
    if (errno == EEXIST && existing_is_fine) {
      dirs.Add(folder);
      return Ok();
    }
    if (errno != ENOENT) return FileError("link", target, errno);
    // The folder is new: create it (and its parent), then link again.
    for (const auto& dir : {folder.parent_path(), folder}) {
      auto created = MakeDirectory(dir);
      if (!created) return std::move(created).error();
      if (*created) dirs.Add(dir.parent_path());
    }
    if (::link(source.c_str(), target.c_str()) != 0) return FileError("link", target, errno);
  }
  dirs.Add(folder);
  return Ok();
}

Status BlobStore::SyncIncomingDir() const { return SyncFd(incoming_fd_.get(), incoming_dir_); }

Status BlobStore::SyncFileSystem() const {
  return archive::SyncFileSystem(incoming_fd_.get(), incoming_dir_);
}

Status BlobStore::ConfirmWriteback(BlobNumber number) const {
  const auto path = IncomingPath(number);
  // A new descriptor still sees a write error nobody has checked yet.
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return FileError("open", path, errno);
  if (auto written = WaitForWriteback(fd.get(), path); !written) return written;
  DropCachedPages(fd.get());
  return Ok();
}

Status BlobStore::RemoveBlobs(std::span<const BlobNumber> numbers, DirectorySyncSet& dirs) const {
  for (const BlobNumber number : numbers) {
    const auto path = BlobPath(number);
    if (::unlink(path.c_str()) != 0) {
      if (errno != ENOENT) return FileError("unlink", path, errno);
      // Never linked (its folder may not exist), or removed by an earlier call
      // whose folder fsync failed or never came: the folder is synced again.
      struct stat folder {};
      if (::stat(path.parent_path().c_str(), &folder) != 0) continue;
    }
    dirs.Add(path.parent_path());
  }
  return Ok();
}

Status BlobStore::RemoveDurably(std::span<const BlobNumber> numbers) const {
  if (numbers.empty()) return Ok();
  DirectorySyncSet dirs;
  if (auto status = RemoveBlobs(numbers, dirs); !status) return status;
  if (auto status = dirs.Sync(); !status) return status;
  // The settler's unlink of an accepted name is not fsynced: incoming/ is
  // fsynced here even when every name is gone already.
  for (const BlobNumber number : numbers) {
    if (auto status = RemoveFile(AcceptedPath(number)); !status) return status;
  }
  return SyncIncomingDir();
}

}  // namespace tessera::archive
