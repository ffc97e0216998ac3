#include "archive/index_writer.h"

#include <algorithm>

#include "archive/sql_helpers.h"
#include "base/strings.h"

namespace tessera::archive {

// Binds `values` from parameter `first` on and runs the statement.
static Status RunWithValues(db::Statement& statement, int first,
                            const std::vector<SqlValue>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    BindValue(statement, first + static_cast<int>(i), values[i]);
  }
  return statement.Run();
}

static Error NotFound(std::string what) { return Fail(ErrorCode::kNotFound, std::move(what)); }

// --- Lookups ---------------------------------------------------------------------

Result<std::optional<ExistingInstance>> IndexWriter::Find(std::string_view sop_instance_uid) {
  auto statement = connection_.Cached(sql_.find_instance);
  if (!statement) return std::move(statement).error();
  db::Statement& s = **statement;
  StatementReset reset(s);
  BindAll(s, sop_instance_uid);
  auto row = s.Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<ExistingInstance>();
  return std::optional<ExistingInstance>(
      ExistingInstance{s.ColumnInt(0), s.ColumnInt(1), std::string(s.ColumnText(2))});
}

Status IndexWriter::FillParents(const InstanceRecord& record, KnownParents& known) {
  auto statement = connection_.Cached(sql_.known_parents);
  if (!statement) return std::move(statement).error();
  db::Statement& s = **statement;
  StatementReset reset(s);
  BindAll(s, record.sop_instance_uid, record.series_uid, record.study_uid);
  auto row = s.Step();
  if (!row) return std::move(row).error();
  if (!*row) return Fail(ErrorCode::kCorrupt, "no row from a query of scalars");
  if (!known.series_of_instance && !s.IsNull(0)) {
    known.series_of_instance = std::string(s.ColumnText(0));
  }
  if (!known.study_of_series && !s.IsNull(1)) known.study_of_series = std::string(s.ColumnText(1));
  if (!known.patient_of_study && !s.IsNull(2)) {
    known.patient_of_study = std::string(s.ColumnText(2));
  }
  return Ok();
}

Result<bool> IndexWriter::IsStored(BlobNumber blob) {
  auto found = QueryInt(connection_, sql_.is_stored, blob);
  if (!found) return std::move(found).error();
  return found->has_value();
}

Status IndexWriter::AddGarbage(BlobNumber blob) {
  return RunSql(connection_, sql_.add_garbage, blob);
}

Status IndexWriter::ForgetGarbage(std::span<const BlobNumber> blobs) {
  if (blobs.empty()) return Ok();
  std::string list = "[";
  for (const BlobNumber blob : blobs) {
    if (list.size() > 1) list += ',';
    list += std::to_string(blob);
  }
  list += ']';
  return RunSql(connection_, sql_.forget_garbage, list);
}

Result<IndexWriter::Parents> IndexWriter::ParentsOf(std::int64_t series_pk) {
  auto statement = connection_.Cached(sql_.parents_of);
  if (!statement) return std::move(statement).error();
  db::Statement& s = **statement;
  StatementReset reset(s);
  BindAll(s, series_pk);
  auto row = s.Step();
  if (!row) return std::move(row).error();
  if (!*row) return Fail(ErrorCode::kCorrupt, "series row without study");
  return Parents{series_pk, s.ColumnInt(0), s.ColumnInt(1)};
}

// --- Shrinking: removals, with empty parents deleted -------------------------------

Status IndexWriter::ShrinkPatient(std::int64_t patient_pk, std::int64_t studies,
                                  std::int64_t series, std::int64_t instances) {
  auto left = QueryInt(connection_, sql_.adjust_patient, patient_pk, -studies, -series, -instances);
  if (!left) return std::move(left).error();
  if (left->value_or(0) > 0) return Ok();
  return RunSql(connection_, sql_.delete_patient, patient_pk);
}

Result<bool> IndexWriter::ShrinkStudy(std::int64_t study_pk, std::int64_t series,
                                      std::int64_t instances) {
  auto patient = QueryInt(connection_, sql_.patient_of_study, study_pk);
  if (!patient) return std::move(patient).error();
  if (!*patient) return Fail(ErrorCode::kCorrupt, "study row without patient");
  auto left = QueryInt(connection_, sql_.adjust_study, study_pk, -series, -instances);
  if (!left) return std::move(left).error();
  const bool alive = left->value_or(0) > 0;
  if (!alive) {
    if (auto status = RunSql(connection_, sql_.delete_study, study_pk); !status) {
      return std::move(status).error();
    }
  }
  if (auto status = ShrinkPatient(**patient, alive ? 0 : 1, series, instances); !status) {
    return std::move(status).error();
  }
  return alive;
}

Result<bool> IndexWriter::RemoveInstance(const ExistingInstance& instance) {
  auto parents = ParentsOf(instance.series_pk);
  if (!parents) return std::move(parents).error();
  for (const auto* sql : {&sql_.delete_metadata, &sql_.delete_instance, &sql_.add_garbage}) {
    if (auto status = RunSql(connection_, *sql, instance.blob); !status) {
      return std::move(status).error();
    }
  }
  auto left = QueryInt(connection_, sql_.shrink_series, instance.series_pk, instance.blob);
  if (!left) return std::move(left).error();
  const bool series_empty = left->value_or(0) <= 0;
  if (series_empty) {
    if (auto status = RunSql(connection_, sql_.delete_series, instance.series_pk); !status) {
      return std::move(status).error();
    }
  }
  return ShrinkStudy(parents->study_pk, series_empty ? 1 : 0, 1);
}

Status IndexWriter::DeleteSeriesRows(std::int64_t series_pk, std::vector<BlobNumber>& blobs) {
  {
    auto statement = connection_.Cached(sql_.instances_of_series);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindAll(s, series_pk);
    while (true) {
      auto row = s.Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      blobs.push_back(s.ColumnInt(0));
    }
  }
  for (const auto* sql : {&sql_.garbage_of_series, &sql_.delete_series_metadata,
                          &sql_.delete_series_instances, &sql_.delete_series}) {
    if (auto status = RunSql(connection_, *sql, series_pk); !status) return status;
  }
  return Ok();
}

// --- Derived values ----------------------------------------------------------------

Status IndexWriter::RefreshStudy(std::int64_t study_pk) {
  return RunSql(connection_, sql_.refresh_study, study_pk);
}

Status IndexWriter::RefreshModalities(std::int64_t study_pk) {
  return RunSql(connection_, sql_.refresh_modalities, study_pk);
}

// Adds `uid` to a '\'-joined sorted list; returns false when it is there already.
static bool AddToList(std::string& list, std::string_view uid) {
  std::vector<std::string_view> items;
  if (!list.empty()) items = Split(list, '\\');
  if (std::find(items.begin(), items.end(), uid) != items.end()) return false;
  items.push_back(uid);
  std::sort(items.begin(), items.end());
  std::string joined;
  for (const auto item : items) {
    if (!joined.empty()) joined += '\\';
    joined += item;
  }
  list = std::move(joined);
  return true;
}

// --- Upserts and moves -------------------------------------------------------------

Result<std::int64_t> IndexWriter::UpsertPatient(const InstanceRecord& record) {
  auto found = QueryInt(connection_, sql_.find_patient, record.patient_key);
  if (!found) return std::move(found).error();
  if (*found) {
    auto update = connection_.Cached(sql_.update_patient);
    if (!update) return std::move(update).error();
    BindAll(**update, **found);
    if (auto status = RunWithValues(**update, 2, record.patient_values); !status) {
      return std::move(status).error();
    }
    return **found;
  }
  auto insert = connection_.Cached(sql_.insert_patient);
  if (!insert) return std::move(insert).error();
  BindAll(**insert, record.patient_key);
  if (auto status = RunWithValues(**insert, 2, record.patient_values); !status) {
    return std::move(status).error();
  }
  return connection_.LastInsertRowId();
}

Status IndexWriter::MoveStudy(std::int64_t study_pk, std::int64_t from_patient,
                              std::int64_t to_patient) {
  std::int64_t series = 0;
  std::int64_t instances = 0;
  {
    auto statement = connection_.Cached(sql_.study_counts);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindAll(s, study_pk);
    auto row = s.Step();
    if (!row) return std::move(row).error();
    if (*row) {
      series = s.ColumnInt(0);
      instances = s.ColumnInt(1);
    }
  }
  if (auto status = RunSql(connection_, sql_.set_study_patient, study_pk, to_patient); !status) {
    return status;
  }
  auto added = QueryInt(connection_, sql_.adjust_patient, to_patient, 1, series, instances);
  if (!added) return std::move(added).error();
  return ShrinkPatient(from_patient, 1, series, instances);
}

Result<IndexWriter::Upserted> IndexWriter::UpsertStudy(const InstanceRecord& record,
                                                       std::int64_t patient_pk) {
  Upserted result;
  std::int64_t old_patient = 0;
  {
    auto statement = connection_.Cached(sql_.find_study);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindAll(s, record.study_uid);
    auto row = s.Step();
    if (!row) return std::move(row).error();
    if (*row) {
      result.pk = s.ColumnInt(0);
      old_patient = s.ColumnInt(1);
      result.sop_classes = std::string(s.ColumnText(2));
    }
  }
  if (result.pk == 0) {
    auto insert = connection_.Cached(sql_.insert_study);
    if (!insert) return std::move(insert).error();
    BindAll(**insert, patient_pk);
    if (auto status = RunWithValues(**insert, 2, record.study_values); !status) {
      return std::move(status).error();
    }
    result.pk = connection_.LastInsertRowId();
    result.created = true;
    return result;
  }
  auto update = connection_.Cached(sql_.update_study);
  if (!update) return std::move(update).error();
  BindAll(**update, result.pk);
  if (auto status = RunWithValues(**update, 2, record.study_values); !status) {
    return std::move(status).error();
  }
  if (old_patient != patient_pk) {
    if (auto status = MoveStudy(result.pk, old_patient, patient_pk); !status) {
      return std::move(status).error();
    }
  }
  return result;
}

Status IndexWriter::MoveSeries(std::int64_t series_pk, std::int64_t from_study,
                               std::int64_t to_study) {
  auto count = QueryInt(connection_, sql_.series_count, series_pk);
  if (!count) return std::move(count).error();
  const std::int64_t instances = count->value_or(0);
  if (auto status = RunSql(connection_, sql_.set_series_study, series_pk, to_study); !status) {
    return status;
  }
  auto to_patient = QueryInt(connection_, sql_.patient_of_study, to_study);
  if (!to_patient) return std::move(to_patient).error();
  if (!*to_patient) return Fail(ErrorCode::kCorrupt, "study row without patient");
  auto added = QueryInt(connection_, sql_.adjust_study, to_study, 1, instances);
  if (!added) return std::move(added).error();
  auto patient_added = QueryInt(connection_, sql_.adjust_patient, **to_patient, 0, 1, instances);
  if (!patient_added) return std::move(patient_added).error();
  auto alive = ShrinkStudy(from_study, 1, instances);
  if (!alive) return std::move(alive).error();
  return *alive ? RefreshStudy(from_study) : Ok();
}

Result<IndexWriter::Upserted> IndexWriter::UpsertSeries(const InstanceRecord& record,
                                                        std::int64_t study_pk) {
  Upserted result;
  std::int64_t old_study = 0;
  {
    auto statement = connection_.Cached(sql_.find_series);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindAll(s, record.series_uid);
    auto row = s.Step();
    if (!row) return std::move(row).error();
    if (*row) {
      result.pk = s.ColumnInt(0);
      old_study = s.ColumnInt(1);
      result.changed = s.ColumnText(2) != record.modality;
    }
  }
  if (result.pk == 0) {
    auto insert = connection_.Cached(sql_.insert_series);
    if (!insert) return std::move(insert).error();
    BindAll(**insert, study_pk);
    if (auto status = RunWithValues(**insert, 2, record.series_values); !status) {
      return std::move(status).error();
    }
    result.pk = connection_.LastInsertRowId();
    result.created = true;
    return result;
  }
  auto update = connection_.Cached(sql_.update_series);
  if (!update) return std::move(update).error();
  BindAll(**update, result.pk);
  if (auto status = RunWithValues(**update, 2, record.series_values); !status) {
    return std::move(status).error();
  }
  if (old_study != study_pk) {
    if (auto status = MoveSeries(result.pk, old_study, study_pk); !status) {
      return std::move(status).error();
    }
    result.changed = true;  // the study gained a series: refresh its derived values
  }
  return result;
}

// --- Insert and Delete -------------------------------------------------------------

Status IndexWriter::Insert(const InstanceRecord& record, BlobNumber blob,
                           const std::optional<ExistingInstance>& replaced) {
  std::optional<std::int64_t> old_study;
  if (replaced) {
    auto parents = ParentsOf(replaced->series_pk);
    if (!parents) return std::move(parents).error();
    auto alive = RemoveInstance(*replaced);
    if (!alive) return std::move(alive).error();
    if (*alive) old_study = parents->study_pk;
  }
  auto patient_pk = UpsertPatient(record);
  if (!patient_pk) return std::move(patient_pk).error();
  auto study = UpsertStudy(record, *patient_pk);
  if (!study) return std::move(study).error();
  auto series = UpsertSeries(record, study->pk);
  if (!series) return std::move(series).error();

  auto insert = connection_.Cached(sql_.insert_instance);
  if (!insert) return std::move(insert).error();
  BindAll(**insert, blob, series->pk, record.transfer_syntax_uid,
          static_cast<std::int64_t>(record.size), record.stored_at_ms);
  if (auto status = RunWithValues(**insert, 6, record.instance_values); !status) return status;
  if (auto status = RunSql(connection_, sql_.insert_metadata, blob, record.metadata_json);
      !status) {
    return status;
  }
  if (auto status = RunSql(connection_, sql_.series_gained, series->pk, blob); !status)
    return status;
  if (auto status =
          RunSql(connection_, sql_.study_gained, study->pk, series->created ? 1 : 0, blob);
      !status) {
    return status;
  }
  if (auto status = RunSql(connection_, sql_.patient_gained, *patient_pk, study->created ? 1 : 0,
                           series->created ? 1 : 0, blob);
      !status) {
    return status;
  }

  // Derived values: recompute where something may have left a study, else add.
  if (old_study && *old_study != study->pk) {
    if (auto status = RefreshStudy(*old_study); !status) return status;
  }
  const bool reshaped = replaced && (replaced->series_pk != series->pk ||
                                     replaced->sop_class_uid != record.sop_class_uid);
  if (reshaped || (series->changed && !series->created)) return RefreshStudy(study->pk);
  if (series->created) {
    if (auto status = RefreshModalities(study->pk); !status) return status;
  }
  std::string sop_classes = study->sop_classes;
  if (!AddToList(sop_classes, record.sop_class_uid)) return Ok();
  return RunSql(connection_, sql_.set_sop_classes, study->pk, sop_classes);
}

Result<std::vector<BlobNumber>> IndexWriter::Delete(const Scope& scope) {
  if (scope.study_uid.empty() || (scope.series_uid.empty() && !scope.sop_instance_uid.empty())) {
    return Fail(ErrorCode::kInvalidArgument,
                "a scope names a study, then a series, then an instance");
  }
  std::vector<BlobNumber> blobs;
  Status deleted = !scope.sop_instance_uid.empty() ? DeleteInstance(scope, blobs)
                   : !scope.series_uid.empty()     ? DeleteSeries(scope, blobs)
                                                   : DeleteStudy(scope, blobs);
  if (!deleted) return std::move(deleted).error();
  return blobs;
}

Status IndexWriter::DeleteInstance(const Scope& scope, std::vector<BlobNumber>& blobs) {
  std::optional<ExistingInstance> instance;
  {
    auto statement = connection_.Cached(sql_.find_scope_instance);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindAll(s, scope.study_uid, scope.series_uid, scope.sop_instance_uid);
    auto row = s.Step();
    if (!row) return std::move(row).error();
    if (*row)
      instance = ExistingInstance{s.ColumnInt(0), s.ColumnInt(1), std::string(s.ColumnText(2))};
  }
  if (!instance) return NotFound("instance " + scope.sop_instance_uid + " is not stored");
  auto parents = ParentsOf(instance->series_pk);
  if (!parents) return std::move(parents).error();
  auto alive = RemoveInstance(*instance);
  if (!alive) return std::move(alive).error();
  if (*alive) {
    if (auto status = RefreshStudy(parents->study_pk); !status) return status;
  }
  blobs.push_back(instance->blob);
  return Ok();
}

Status IndexWriter::DeleteSeries(const Scope& scope, std::vector<BlobNumber>& blobs) {
  std::int64_t series_pk = 0;
  std::int64_t study_pk = 0;
  std::int64_t instances = 0;
  {
    auto statement = connection_.Cached(sql_.find_scope_series);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindAll(s, scope.study_uid, scope.series_uid);
    auto row = s.Step();
    if (!row) return std::move(row).error();
    if (*row) {
      series_pk = s.ColumnInt(0);
      study_pk = s.ColumnInt(1);
      instances = s.ColumnInt(2);
    }
  }
  if (series_pk == 0) return NotFound("series " + scope.series_uid + " is not stored");
  if (auto status = DeleteSeriesRows(series_pk, blobs); !status) return status;
  auto alive = ShrinkStudy(study_pk, 1, instances);
  if (!alive) return std::move(alive).error();
  if (*alive) {
    if (auto status = RefreshStudy(study_pk); !status) return status;
  }
  return Ok();
}

Status IndexWriter::DeleteStudy(const Scope& scope, std::vector<BlobNumber>& blobs) {
  std::int64_t study_pk = 0;
  std::int64_t patient_pk = 0;
  std::int64_t series_count = 0;
  std::int64_t instances = 0;
  {
    auto statement = connection_.Cached(sql_.find_scope_study);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindAll(s, scope.study_uid);
    auto row = s.Step();
    if (!row) return std::move(row).error();
    if (*row) {
      study_pk = s.ColumnInt(0);
      patient_pk = s.ColumnInt(1);
      series_count = s.ColumnInt(2);
      instances = s.ColumnInt(3);
    }
  }
  if (study_pk == 0) return NotFound("study " + scope.study_uid + " is not stored");
  std::vector<std::int64_t> series_pks;
  {
    auto statement = connection_.Cached(sql_.series_of_study);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindAll(s, study_pk);
    while (true) {
      auto row = s.Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      series_pks.push_back(s.ColumnInt(0));
    }
  }
  for (const auto series_pk : series_pks) {
    if (auto status = DeleteSeriesRows(series_pk, blobs); !status) return status;
  }
  if (auto status = RunSql(connection_, sql_.delete_study, study_pk); !status) {
    return status;
  }
  if (auto status = ShrinkPatient(patient_pk, 1, series_count, instances); !status) {
    return status;
  }
  return Ok();
}

}  // namespace tessera::archive
