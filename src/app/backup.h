#pragma once

#include <filesystem>

#include "archive/backup.h"
#include "base/result.h"
#include "config/config.h"

namespace tessera::app {

// `tessera backup`: brings the backup folder `to` up to date with the data
// folder of `config`, which a server may be running on, so that
// `tessera serve --data <to>` serves the copy: the archive (archive::ArchiveBackup:
// a consistent snapshot, incremental, refused where it would overwrite more than
// an earlier backup of this folder), the users and tokens (a snapshot of
// auth.db), the signing key, admin password hash, TLS files and tessera.toml,
// all while the backup folder is locked. Each file is replaced whole, so a run
// stopped half-way leaves a backup a server can start on. The copy holds
// secrets and patient data and keeps the data folder's modes. Errors: those of
// ArchiveBackup, kIo, kStorageFull.
Result<archive::BackupReport> BackUpDataFolder(const config::Config& config,
                                               const std::filesystem::path& to);

}  // namespace tessera::app
