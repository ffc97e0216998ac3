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
// Run as root (a cron job, often), the command becomes the data folder's owner
// — its user and group, no others — for the rest of the process, so that the
// backup's files belong to the user who would serve them; root-owned ones could
// not be served by that user. Nothing when not root or when root owns the
// folder. Errors: kIo.
Status ActAsOwnerOf(const std::filesystem::path& data_dir);

Result<archive::BackupReport> BackUpDataFolder(const config::Config& config,
                                               const std::filesystem::path& to);

}  // namespace tessera::app
