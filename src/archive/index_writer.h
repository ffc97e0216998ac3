#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "archive/archive.h"
#include "archive/blob_store.h"
#include "archive/instance_record.h"
#include "archive/parentage.h"
#include "archive/writer_sql.h"
#include "base/result.h"
#include "db/connection.h"

namespace tessera::archive {

// An instance already in the index under the SOP Instance UID being stored.
struct ExistingInstance {
  BlobNumber blob = 0;
  std::int64_t series_pk = 0;
  std::string sop_class_uid;
};

// Writes the index rows inside the caller's transaction and keeps the derived
// values right: the Number of ... Related ... counts at every level, Modalities
// and SOP Classes in Study, each level's most recent instance, and the study
// revision (bumped on every change, for ETags). Parents left empty are deleted.
// A series written under another study moves there with its instances, a study
// under another patient likewise; both sides' counts follow. (The ingester
// refuses such instances, parentage.h; the moves keep the counts right should
// the index ever be handed one.)
// Removed blobs are recorded in the garbage table in the same transaction.
// Not thread-safe: it uses the writer connection, under the writer lock.
class IndexWriter {
 public:
  // REQUIRES: a transaction is open on `connection` for the writing methods.
  IndexWriter(db::Connection& connection, const WriterSql& sql)
      : connection_(connection), sql_(sql) {}

  // The stored instance with this SOP Instance UID, if any. Reads only: also
  // fine on a reader connection, outside a transaction.
  Result<std::optional<ExistingInstance>> Find(std::string_view sop_instance_uid);

  // Sets the fields of `known` that are unset from the index (parentage.h).
  // Reads only, like Find.
  Status FillParents(const InstanceRecord& record, KnownParents& known);

  // Adds `record` as instance `blob`, first removing `replaced` when set.
  // Errors: those of SQLite (kConflict when the UID is stored and not replaced).
  Status Insert(const InstanceRecord& record, BlobNumber blob,
                const std::optional<ExistingInstance>& replaced);

  // Removes the rows of `scope` and returns their blobs. Errors: kNotFound,
  // kInvalidArgument for a scope without a study.
  Result<std::vector<BlobNumber>> Delete(const Scope& scope);

  // Whether `blob` is a stored instance.
  Result<bool> IsStored(BlobNumber blob);

  // Lists `blob`, which no row refers to, for Garbage::Dispose to remove.
  Status AddGarbage(BlobNumber blob);

  // Drops the garbage rows of blobs that are gone from disk.
  Status ForgetGarbage(std::span<const BlobNumber> blobs);

 private:
  struct Parents {
    std::int64_t series_pk = 0;
    std::int64_t study_pk = 0;
    std::int64_t patient_pk = 0;
  };
  struct Upserted {
    std::int64_t pk = 0;
    bool created = false;
    bool changed = false;     // attributes changed (a new modality, for a series)
    std::string sop_classes;  // studies only
  };

  Result<Parents> ParentsOf(std::int64_t series_pk);
  // Removes one instance; returns whether its study still exists.
  Result<bool> RemoveInstance(const ExistingInstance& instance);
  Result<std::int64_t> UpsertPatient(const InstanceRecord& record);
  Result<Upserted> UpsertStudy(const InstanceRecord& record, std::int64_t patient_pk);
  Result<Upserted> UpsertSeries(const InstanceRecord& record, std::int64_t study_pk);
  Status MoveStudy(std::int64_t study_pk, std::int64_t from_patient, std::int64_t to_patient);
  Status MoveSeries(std::int64_t series_pk, std::int64_t from_study, std::int64_t to_study);
  // Subtracts from a study and its patient; deletes what is left empty.
  // Returns whether the study still exists.
  Result<bool> ShrinkStudy(std::int64_t study_pk, std::int64_t series, std::int64_t instances);
  Status ShrinkPatient(std::int64_t patient_pk, std::int64_t studies, std::int64_t series,
                       std::int64_t instances);
  Status DeleteSeriesRows(std::int64_t series_pk, std::vector<BlobNumber>& blobs);
  // Delete's three scopes: each removes its rows and adds their blobs to `blobs`.
  // Errors: kNotFound naming what is not stored.
  Status DeleteInstance(const Scope& scope, std::vector<BlobNumber>& blobs);
  Status DeleteSeries(const Scope& scope, std::vector<BlobNumber>& blobs);
  Status DeleteStudy(const Scope& scope, std::vector<BlobNumber>& blobs);
  // Recomputes Modalities/SOP Classes in Study and the most recent instances.
  Status RefreshStudy(std::int64_t study_pk);
  Status RefreshModalities(std::int64_t study_pk);

  db::Connection& connection_;
  const WriterSql& sql_;
};

}  // namespace tessera::archive
