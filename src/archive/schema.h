#pragma once

#include <span>

#include "db/connection.h"

namespace tessera::archive {

// The index schema, one db::Migration per version. Tables: patients, studies,
// series, instances (whose id is also the blob number), instance_metadata (the
// DICOM JSON text, apart so that scans of `instances` stay small) and garbage
// (blobs to unlink after a commit; survives crashes so that none is leaked).
// Study rows repeat the patient attributes of their most recent instance so that
// study queries, the common case, read a single table.
std::span<const db::Migration> IndexMigrations();

}  // namespace tessera::archive
