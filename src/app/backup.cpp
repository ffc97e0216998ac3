#include "app/backup.h"

#include <sys/stat.h>

#include "base/small_file.h"
#include "db/snapshot.h"

namespace tessera::app {
namespace {

bool IsDatabaseSideFile(const std::filesystem::path& file) {
  const auto name = file.filename().native();
  return name.ends_with("-wal") || name.ends_with("-shm") || name.ends_with("-journal");
}

// Copies the regular files directly in `from` (not below) to `to`, with their
// modes; a database file as a snapshot. The folder gets `from`'s mode.
Status CopyFolder(const std::filesystem::path& from, const std::filesystem::path& to) {
  struct stat info {};
  if (::stat(from.c_str(), &info) != 0) return Ok();  // not set up here: nothing to copy
  std::error_code ec;
  std::filesystem::create_directories(to, ec);
  if (ec) return Fail(ErrorCode::kIo, "create " + to.string() + ": " + ec.message());
  std::filesystem::permissions(to, static_cast<std::filesystem::perms>(info.st_mode & 0777), ec);
  for (const auto& entry : std::filesystem::directory_iterator(from, ec)) {
    if (!entry.is_regular_file(ec) || IsDatabaseSideFile(entry.path())) continue;
    const auto target = to / entry.path().filename();
    if (entry.path().extension() == ".db") {
      if (auto status = db::SnapshotDatabase(entry.path(), target); !status) return status;
      continue;
    }
    auto contents = ReadSmallFile(entry.path());
    if (!contents) return std::move(contents).error();
    if (::stat(entry.path().c_str(), &info) != 0) continue;  // removed meanwhile
    if (auto status = WriteFileAtomically(target, *contents, info.st_mode & 0777); !status) {
      return status;
    }
  }
  if (ec) return Fail(ErrorCode::kIo, "list " + from.string() + ": " + ec.message());
  return Ok();
}

}  // namespace

Result<archive::BackupReport> BackUpDataFolder(const config::Config& config,
                                               const std::filesystem::path& to) {
  auto report = archive::BackUpArchive(config.data_dir, to);
  if (!report) return report;
  for (const char* folder : {"auth", "tls"}) {
    if (auto status = CopyFolder(config.data_dir / folder, to / folder); !status) {
      return std::move(status).error();
    }
  }
  const auto settings = config.data_dir / "tessera.toml";
  if (auto contents = ReadSmallFile(settings); contents) {
    if (auto status = WriteFileAtomically(to / "tessera.toml", *contents, 0640); !status) {
      return std::move(status).error();
    }
  }
  return report;
}

}  // namespace tessera::app
