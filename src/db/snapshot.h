#pragma once

#include <filesystem>

#include "base/result.h"

namespace tessera::db {

// Copies the database `from` to the file `to` as one consistent snapshot, with
// SQLite's online backup: a server may be writing `from` meanwhile (it is only
// read), and the copy holds every transaction committed before it began and
// none after. `to` must be a new name (what it held is replaced); it is written
// with a rollback journal, so once this returns the whole copy is in that one
// file, fsynced (the caller renames it into place and fsyncs its folder).
// Errors: kInvalidArgument when `to` is `from`; kNotFound when `from` does not
// exist; kIo, kStorageFull, kUnavailable (`from` stayed locked), SQLite's.
Status SnapshotDatabase(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace tessera::db
