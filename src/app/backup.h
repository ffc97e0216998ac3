#pragma once

#include <filesystem>

#include "archive/backup.h"
#include "base/result.h"
#include "config/config.h"

namespace tessera::app {

// `tessera backup`: copies the data folder of `config` — which a server may be
// running on — to `to`, so that `tessera serve --data <to>` serves the copy:
// the archive (archive::BackUpArchive: a consistent snapshot, incremental), the
// users and tokens (a snapshot of auth.db), the signing key, admin password
// hash, TLS files and tessera.toml. The copy holds secrets and patient data
// and is as private as the data folder. Errors: those of BackUpArchive, kIo.
Result<archive::BackupReport> BackUpDataFolder(const config::Config& config,
                                               const std::filesystem::path& to);

}  // namespace tessera::app
