#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "archive/archive.h"
#include "archive/blob_store.h"
#include "archive/garbage.h"
#include "archive/index_writer.h"
#include "archive/ingester.h"
#include "archive/query_runner.h"
#include "archive/scope_reader.h"
#include "archive/sql_functions.h"
#include "base/clock.h"
#include "db/database.h"

namespace tessera::archive {

// What tests may inject; production uses the defaults.
struct ArchiveHooks {
  CrashHook crash;               // see IngestStep
  const Clock* clock = nullptr;  // stored-at times; default: the system clock
};

// The Archive: wires the blob store, index, ingester, queries and recovery
// together. Thread-safe.
class ArchiveImpl final : public Archive {
 public:
  static Result<std::unique_ptr<ArchiveImpl>> Open(const ArchiveOptions& options,
                                                   ArchiveHooks hooks = {});
  ArchiveImpl(const ArchiveImpl&) = delete;
  ArchiveImpl& operator=(const ArchiveImpl&) = delete;

  Result<IncomingFile> NewIncomingFile() override;
  Status CheckRoom() const override { return blobs_->floor().Check(1); }
  IndexLag IndexState() const override { return ingester_->Lag(); }
  std::optional<std::chrono::system_clock::time_point> LastDeferredFileError() const override;
  std::vector<StoreAttempt> TryStoreAll(std::span<IncomingFile> files,
                                        std::string_view expected_study_uid) override;
  Result<QueryResult> Find(const Query& query) const override;
  Result<QueryTextResult> FindText(const Query& query) const override;
  Result<std::vector<InstanceRef>> Instances(const Scope& scope) const override;
  Result<MetadataDocument> Metadata(const Scope& scope) const override;
  Status Delete(const Scope& scope) override;
  const RecoveryReport& recovery() const override { return recovery_; }

  // For tests: the index and the file layout.
  db::Database& database() { return *db_; }
  const BlobStore& blobs() const { return *blobs_; }
  const WriterSql& writer_sql() const { return sql_; }
  // Waits until the instances acknowledged so far are indexed, have their blob
  // names durable and their incoming names gone (otherwise done within 150 ms).
  void Settle() { ingester_->Settle(); }

 private:
  explicit ArchiveImpl(ArchiveHooks hooks) : hooks_(std::move(hooks)) {}

  ArchiveHooks hooks_;
  // Records the time, then calls on_deferred_file_error (if any).
  std::function<void(const DeferredFileError&)> on_file_error_;
  // Since the clock's epoch; 0: none yet.
  std::atomic<std::chrono::system_clock::duration::rep> last_file_error_{0};
  SystemClock system_clock_;
  WriterSql sql_;
  RecoveryReport recovery_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<db::Database> db_;
  SqlFunctions functions_;
  std::unique_ptr<Garbage> garbage_;
  std::unique_ptr<Ingester> ingester_;
  std::unique_ptr<QueryRunner> queries_;
  std::unique_ptr<ScopeReader> scopes_;
};

}  // namespace tessera::archive
