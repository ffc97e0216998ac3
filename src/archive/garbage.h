#pragma once

#include <mutex>
#include <span>
#include <vector>

#include "archive/blob_store.h"
#include "archive/index_writer.h"
#include "base/result.h"
#include "db/database.h"

namespace tessera::archive {

// Blobs whose index rows are gone. The transaction that removes an instance's
// rows also adds its blob to the garbage table; once that transaction is
// committed, Dispose unlinks the file; the next write transaction drops the
// garbage row. A crash anywhere in between leaves the row, and Recover unlinks
// the file at the next start: nothing is leaked, and nothing but garbage rows
// is ever looked at. Thread-safe.
class Garbage {
 public:
  explicit Garbage(const BlobStore& blobs) : blobs_(blobs) {}
  Garbage(const Garbage&) = delete;
  Garbage& operator=(const Garbage&) = delete;

  // Unlinks `blobs` and any accepted names they still have, and fsyncs their
  // folders and incoming/. REQUIRES: the removal of their rows is committed. Errors: kIo (the rows
  // stay; Recover retries).
  Status Dispose(std::span<const BlobNumber> blobs);

  // Inside a write transaction: drops the garbage rows of disposed blobs. If the
  // transaction does not commit, the rows stay until the next Recover.
  Status ForgetDisposed(IndexWriter& writer);

  // At start-up, before anything else writes: unlinks every blob in the garbage
  // table and empties it. Errors: kIo, SQLite's.
  static Status Recover(db::Database& db, const BlobStore& blobs, const WriterSql& sql);

 private:
  const BlobStore& blobs_;
  std::mutex mutex_;
  std::vector<BlobNumber> disposed_;
};

}  // namespace tessera::archive
