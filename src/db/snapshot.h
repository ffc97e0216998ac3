#pragma once

#include <filesystem>

#include "base/result.h"

namespace tessera::db {

// Copies the database `from` to the new file `to` (replacing it) as one
// consistent snapshot, with SQLite's online backup: a server may be writing
// `from` meanwhile, and the copy holds every transaction committed before it
// began and none after. `to` is fsynced before this returns. Errors: kIo,
// kStorageFull, kNotFound when `from` does not exist, SQLite's.
Status SnapshotDatabase(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace tessera::db
