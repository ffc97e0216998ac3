#include "app/backup.h"

#include <cerrno>
#include <set>
#include <string>

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/file_ops.h"
#include "base/small_file.h"
#include "base/strings.h"
#include "db/snapshot.h"

namespace tessera::app {
namespace {

using archive::SyncDirectory;

bool IsDatabaseSideFile(const std::string& name) {
  return name.ends_with("-wal") || name.ends_with("-shm") || name.ends_with("-journal");
}

// A database of the data folder, as a snapshot under a temporary name renamed
// over the backup's: a run stopped half-way leaves the backup's copy whole.
Status CopyDatabase(const std::filesystem::path& from, const std::filesystem::path& to) {
  auto temporary = to;
  temporary += ".backup";
  if (auto status = db::SnapshotDatabase(from, temporary); !status) return status;
  for (const char* side : {"-wal", "-shm", "-journal"}) {
    if (::unlink((to.string() + side).c_str()) != 0 && errno != ENOENT) {
      return FileError("remove", to.string() + side, errno);
    }
  }
  if (::rename(temporary.c_str(), to.c_str()) != 0) return FileError("rename", to, errno);
  return Ok();
}

// Makes `to` hold exactly the regular files directly in `from` (a database as
// a snapshot), with their modes; `to` gets `from`'s mode.
Status MirrorFolder(const std::filesystem::path& from, const std::filesystem::path& to) {
  struct stat folder {};
  if (::stat(from.c_str(), &folder) != 0) return Ok();  // not set up here: nothing to copy
  if (::mkdir(to.c_str(), folder.st_mode & 0777) == 0) {
    if (auto status = SyncDirectory(to.parent_path()); !status) return status;
  } else if (errno != EEXIST) {
    return FileError("create", to, errno);
  }
  if (::chmod(to.c_str(), folder.st_mode & 0777) != 0) return FileError("chmod", to, errno);

  std::set<std::string> copied;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(from, ec)) {
    const std::string name = entry.path().filename();
    struct stat file {};
    if (::lstat(entry.path().c_str(), &file) != 0 || !S_ISREG(file.st_mode) ||
        IsDatabaseSideFile(name)) {
      continue;
    }
    copied.insert(name);
    if (entry.path().extension() == ".db") {
      if (auto status = CopyDatabase(entry.path(), to / name); !status) return status;
      if (::chmod((to / name).c_str(), file.st_mode & 0777) != 0) {
        return FileError("chmod", to / name, errno);
      }
      continue;
    }
    auto contents = ReadSmallFile(entry.path());
    if (!contents) return std::move(contents).error();
    if (auto status = WriteFileAtomically(to / name, *contents, file.st_mode & 0777); !status) {
      return status;
    }
  }
  if (ec) return FileError("list", from, ec.value());
  // Gone from the data folder since the last backup (a first password, once
  // changed), or left by a run stopped half-way.
  for (const auto& entry : std::filesystem::directory_iterator(to, ec)) {
    if (copied.contains(entry.path().filename()) || !entry.is_regular_file(ec)) continue;
    if (::unlink(entry.path().c_str()) != 0 && errno != ENOENT) {
      return FileError("remove", entry.path(), errno);
    }
  }
  if (ec) return FileError("list", to, ec.value());
  return SyncDirectory(to);
}

// The settings with `data_dir` naming the backup: restored with its own
// tessera.toml (`serve --config`), the copy must not open the data folder.
std::string SettingsForBackup(std::string_view settings, const std::filesystem::path& to) {
  std::string quoted = "\"";
  for (const char c : std::filesystem::absolute(to).lexically_normal().string()) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  std::string out;
  bool top_level = true;  // data_dir is a top-level key, before any [section]
  for (const auto line : Split(settings, '\n')) {
    if (line.starts_with('[')) top_level = false;
    const auto key = Trim(line.substr(0, line.find('=')));
    if (top_level && key == "data_dir" && line.find('=') != std::string_view::npos) {
      out += "data_dir = " + quoted;
    } else {
      out += line;
    }
    out += '\n';
  }
  out.pop_back();  // the newline after the last piece, which had none
  return out;
}

}  // namespace

Status ActAsOwnerOf(const std::filesystem::path& data_dir) {
  if (::geteuid() != 0) return Ok();
  struct stat folder {};
  if (::stat(data_dir.c_str(), &folder) != 0) return FileError("stat", data_dir, errno);
  if (folder.st_uid == 0) return Ok();
  // Groups first: once the user is not root, they cannot be changed.
  if (::setgroups(0, nullptr) != 0 ||
      ::setresgid(folder.st_gid, folder.st_gid, folder.st_gid) != 0 ||
      ::setresuid(folder.st_uid, folder.st_uid, folder.st_uid) != 0) {
    return FileError("become the owner of", data_dir, errno);
  }
  return Ok();
}

Result<archive::BackupReport> BackUpDataFolder(const config::Config& config,
                                               const std::filesystem::path& to) {
  auto backup = archive::ArchiveBackup::Open(config.data_dir, to);  // locked from here
  if (!backup) return std::move(backup).error();
  auto report = (*backup)->Run();
  if (!report) return report;
  for (const char* folder : {"auth", "tls"}) {
    if (auto status = MirrorFolder(config.data_dir / folder, to / folder); !status) {
      return std::move(status).error();
    }
  }
  if (auto contents = ReadSmallFile(config.data_dir / "tessera.toml"); contents) {
    if (auto status =
            WriteFileAtomically(to / "tessera.toml", SettingsForBackup(*contents, to), 0640);
        !status) {
      return std::move(status).error();
    }
  }
  return report;
}

}  // namespace tessera::app
