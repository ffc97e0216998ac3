#pragma once

#include "archive/blob_store.h"
#include "archive/index_writer.h"
#include "base/result.h"
#include "db/database.h"

namespace tessera::archive {

// Start-up recovery (the protocol is described in ingester.cpp and garbage.h):
// unlinks the blobs left in the garbage table, settles every file left in
// incoming/, and returns the first blob number that is free for good. Reads
// only the garbage table, incoming/ and one primary-key lookup per leftover:
// the cost is that of what was in flight, never a scan of the blobs.
// REQUIRES: nothing else uses the archive yet. Errors: kIo, SQLite's.
Result<BlobNumber> Recover(db::Database& db, const BlobStore& blobs, const WriterSql& sql);

}  // namespace tessera::archive
