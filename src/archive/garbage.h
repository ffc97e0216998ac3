#pragma once

#include <mutex>
#include <span>
#include <vector>

#include "archive/blob_store.h"
#include "archive/index_writer.h"
#include "base/result.h"
#include "db/database.h"

namespace tessera::archive {

// Blobs whose index rows are gone (or never were: a duplicate the merger kept
// out). The transaction that removes an instance's rows also adds its blob to
// the garbage table; once that transaction is committed, Dispose unlinks the
// file; the next write transaction drops the garbage row. A crash anywhere in
// between leaves the row, and Recover unlinks the file at the next start:
// nothing is leaked, and nothing but garbage rows is ever looked at.
// Thread-safe.
class Garbage {
 public:
  explicit Garbage(const BlobStore& blobs) : blobs_(blobs) {}
  Garbage(const Garbage&) = delete;
  Garbage& operator=(const Garbage&) = delete;

  // Unlinks `blobs` and any accepted names they still have, and fsyncs their
  // folders and incoming/; also those of earlier calls that failed. REQUIRES:
  // the removal of their rows is committed. Errors: kIo (the rows stay; the
  // next call retries them, and Recover at the latest).
  Status Dispose(std::span<const BlobNumber> blobs);

  // Inside a write transaction: drops the garbage rows of the blobs disposed so
  // far (best effort: a row left behind only waits for the next Recover). Unless
  // Committed() is called, for a transaction that failed or rolled back (a
  // Delete of nothing), the numbers go back for the next transaction to drop.
  class Forgetting {
   public:
    Forgetting(Garbage& garbage, IndexWriter& writer);
    ~Forgetting();
    Forgetting(const Forgetting&) = delete;
    Forgetting& operator=(const Forgetting&) = delete;

    // The transaction committed: the rows dropped in it are gone for good.
    void Committed() {
      if (dropped_) numbers_.clear();
    }

   private:
    Garbage& garbage_;
    std::vector<BlobNumber> numbers_;
    bool dropped_ = false;
  };

  // At start-up, before anything else writes: unlinks every blob in the garbage
  // table and empties it. Errors: kIo, SQLite's.
  static Status Recover(db::Database& db, const BlobStore& blobs, const WriterSql& sql);

 private:
  const BlobStore& blobs_;
  std::mutex mutex_;
  std::vector<BlobNumber> disposed_;
  std::vector<BlobNumber> failed_;  // for the next Dispose to retry
};

}  // namespace tessera::archive
