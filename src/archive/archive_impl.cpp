#include "archive/archive_impl.h"

#include "archive/recovery.h"
#include "archive/schema.h"

namespace tessera::archive {

Result<std::unique_ptr<Archive>> Archive::Open(const ArchiveOptions& options) {
  auto archive = ArchiveImpl::Open(options);
  if (!archive) return std::move(archive).error();
  return std::unique_ptr<Archive>(std::move(*archive));
}

Result<std::unique_ptr<ArchiveImpl>> ArchiveImpl::Open(const ArchiveOptions& options,
                                                       ArchiveHooks hooks) {
  if (options.data_dir.empty()) return Fail(ErrorCode::kInvalidArgument, "no data folder");
  std::unique_ptr<ArchiveImpl> archive(new ArchiveImpl(std::move(hooks)));
  archive->sql_ = WriterSql::Build();

  auto blobs = BlobStore::Open(options.data_dir, options.min_free_bytes);
  if (!blobs) return std::move(blobs).error();
  archive->blobs_ = std::move(*blobs);

  db::DatabaseOptions db_options;
  db_options.readers = options.db_readers;
  db_options.connection.synchronous_full = true;  // acknowledged means durable
  auto db = db::Database::Open(options.data_dir / "index.db", IndexMigrations(), db_options);
  if (!db) return std::move(db).error();
  archive->db_ = std::move(*db);

  auto next = Recover(*archive->db_, *archive->blobs_, archive->sql_, options.duplicates,
                      archive->recovery_);
  if (!next) return std::move(next).error();
  archive->blobs_->SetNextNumber(*next);

  const Clock& clock =
      archive->hooks_.clock != nullptr ? *archive->hooks_.clock : archive->system_clock_;
  archive->on_file_error_ = [impl = archive.get(), clock = &clock,
                             told =
                                 options.on_deferred_file_error](const DeferredFileError& failure) {
    impl->last_file_error_ = clock->Now().time_since_epoch().count();
    if (told) told(failure);
  };
  archive->garbage_ = std::make_unique<Garbage>(*archive->blobs_);
  archive->ingester_ = std::make_unique<Ingester>(
      *archive->db_, *archive->blobs_, *archive->garbage_, archive->sql_, options.duplicates, clock,
      archive->hooks_.crash, options.on_index_lag, archive->on_file_error_);
  archive->queries_ = std::make_unique<QueryRunner>(
      *archive->db_, archive->functions_,
      QueryOptions{options.case_insensitive_names, options.max_query_results});
  archive->scopes_ = std::make_unique<ScopeReader>(*archive->db_, *archive->blobs_);
  return archive;
}

Result<IncomingFile> ArchiveImpl::NewIncomingFile() { return blobs_->NewIncoming(); }

std::vector<StoreAttempt> ArchiveImpl::TryStoreAll(std::span<IncomingFile> files,
                                                   std::string_view expected_study_uid) {
  return ingester_->TryStoreAll(files, expected_study_uid);
}

// Every read and delete first waits for the index to hold what was acknowledged.
// While the index cannot be written, they go ahead on what it holds rather than
// fail, which would take every study down with the disk (and keep an operator
// from deleting studies to free it): the instances acknowledged since are safe,
// and appear once it catches up. A query counts them; a read or delete of a
// scope that one of them may belong to is refused, as it would be partial.

Result<QueryResult> ArchiveImpl::Find(const Query& query) const {
  auto unindexed = ingester_->AwaitMergedOrLagging();
  if (!unindexed) return std::move(unindexed).error();
  auto result = queries_->Find(query);
  if (result) result->unindexed = *unindexed;
  return result;
}

Result<QueryTextResult> ArchiveImpl::FindText(const Query& query) const {
  auto unindexed = ingester_->AwaitMergedOrLagging();
  if (!unindexed) return std::move(unindexed).error();
  auto result = queries_->FindText(query);
  if (result) result->unindexed = *unindexed;
  return result;
}

Result<std::vector<InstanceRef>> ArchiveImpl::Instances(const Scope& scope) const {
  if (auto status = ingester_->AwaitMergedFor(scope); !status) return std::move(status).error();
  return scopes_->Instances(scope);
}

Result<MetadataDocument> ArchiveImpl::Metadata(const Scope& scope) const {
  if (auto status = ingester_->AwaitMergedFor(scope); !status) return std::move(status).error();
  return scopes_->Metadata(scope);
}

std::optional<std::chrono::system_clock::time_point> ArchiveImpl::LastDeferredFileError() const {
  const auto ticks = last_file_error_.load();
  if (ticks == 0) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(ticks));
}

Status ArchiveImpl::Delete(const Scope& scope) {
  if (auto status = ingester_->AwaitMergedFor(scope); !status) return status;
  auto blobs = db_->Write([&](db::Connection& connection) -> Result<std::vector<BlobNumber>> {
    db::Transaction transaction(connection);
    if (auto status = transaction.Begin(); !status) return std::move(status).error();
    IndexWriter writer(connection, sql_);
    Garbage::Forgetting forgetting(*garbage_, writer);
    auto removed = writer.Delete(scope);
    if (!removed) return removed;
    if (auto status = transaction.Commit(); !status) return std::move(status).error();
    forgetting.Committed();
    return removed;
  });
  if (!blobs) return std::move(blobs).error();
  if (ingester_->CrashAt(IngestStep::kDeleteCommitted)) {
    return SimulatedCrash(IngestStep::kDeleteCommitted);
  }
  // The rows are gone for good, so the instances are deleted: a failed unlink
  // is the disk's trouble, not the caller's (a failure would have the caller
  // retry a delete that happened).
  if (auto disposed = garbage_->Dispose(*blobs); !disposed && on_file_error_) {
    on_file_error_(
        {"the files of deleted instances could not be removed; the next removal "
         "retries, and the next start at the latest",
         disposed.error()});
  }
  return Ok();
}

}  // namespace tessera::archive
