#pragma once

#include "archive/archive.h"
#include "archive/blob_store.h"
#include "archive/index_writer.h"
#include "base/result.h"
#include "db/database.h"

namespace tessera::archive {

// Start-up recovery (the protocol is described in ingester.cpp and garbage.h):
// settles every file left in incoming/ (indexing the accepted instances the
// merger did not get to, under `duplicates`), unlinks the blobs left in the
// garbage table, and returns the first blob number that is free for good. Reads
// only the garbage table, incoming/, one lookup per leftover and the files of
// unmerged instances: the cost is that of what was in flight, never a scan of
// the blobs. REQUIRES: nothing else uses the archive yet. Errors: kIo, SQLite's,
// and those of parsing an accepted file that cannot be indexed (it stays).
// `report` counts what was settled.
Result<BlobNumber> Recover(db::Database& db, const BlobStore& blobs, const WriterSql& sql,
                           DuplicatePolicy duplicates, RecoveryReport& report);

}  // namespace tessera::archive
