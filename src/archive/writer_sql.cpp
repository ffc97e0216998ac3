#include "archive/writer_sql.h"

#include "archive/instance_record.h"
#include "archive/sql_helpers.h"

namespace tessera::archive {

static std::string InsertSql(std::string_view table, const std::vector<std::string>& fixed,
                             const std::vector<std::string>& columns) {
  std::string names;
  std::string params;
  int index = 1;
  for (const auto* list : {&fixed, &columns}) {
    for (const auto& column : *list) {
      if (index > 1) {
        names += ", ";
        params += ", ";
      }
      names += column;
      params += Placeholder(index++);
    }
  }
  return "INSERT INTO " + std::string(table) + " (" + names + ") VALUES (" + params + ")";
}

// Updates the row only when some value differs, so that unchanged rows (the
// common case: the 2nd..nth instance of a series) do not rewrite their indexes.
static std::string UpdateSql(std::string_view table, const std::vector<std::string>& columns) {
  std::string sets;
  std::string same;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string param = Placeholder(i + 2);
    if (i > 0) {
      sets += ", ";
      same += " AND ";
    }
    sets += columns[i] + " = " + param;
    same += columns[i] + " IS " + param;
  }
  return "UPDATE " + std::string(table) + " SET " + sets + " WHERE id = ?1 AND NOT (" + same + ")";
}

// The statements that do not depend on the attribute table.
static void AddFixedStatements(WriterSql& sql) {
  sql.find_instance =
      "SELECT id, series_pk, sop_class_uid FROM instances WHERE sop_instance_uid = ?1";
  sql.parents_of =
      "SELECT se.study_pk, st.patient_pk FROM series se JOIN studies st ON st.id = se.study_pk "
      "WHERE se.id = ?1";
  sql.delete_metadata = "DELETE FROM instance_metadata WHERE instance_pk = ?1";
  sql.delete_instance = "DELETE FROM instances WHERE id = ?1";
  sql.add_garbage = "INSERT OR IGNORE INTO garbage (blob) VALUES (?1)";
  sql.shrink_series =
      "UPDATE series SET num_instances = num_instances - 1, latest_instance = CASE WHEN "
      "latest_instance = ?2 THEN (SELECT max(id) FROM instances WHERE series_pk = ?1) ELSE "
      "latest_instance END WHERE id = ?1 RETURNING num_instances";
  sql.delete_series = "DELETE FROM series WHERE id = ?1";
  sql.adjust_study =
      "UPDATE studies SET num_series = num_series + ?2, num_instances = num_instances + ?3, "
      "revision = revision + 1, latest_instance = (SELECT max(latest_instance) FROM series WHERE "
      "study_pk = ?1) WHERE id = ?1 RETURNING num_series";
  sql.patient_of_study = "SELECT patient_pk FROM studies WHERE id = ?1";
  sql.delete_study = "DELETE FROM studies WHERE id = ?1";
  sql.adjust_patient =
      "UPDATE patients SET num_studies = num_studies + ?2, num_series = num_series + ?3, "
      "num_instances = num_instances + ?4, latest_instance = (SELECT max(latest_instance) FROM "
      "studies WHERE patient_pk = ?1) WHERE id = ?1 RETURNING num_studies";
  sql.delete_patient = "DELETE FROM patients WHERE id = ?1";
  sql.find_patient = "SELECT id FROM patients WHERE patient_key = ?1";
  sql.find_study = "SELECT id, patient_pk, sop_classes FROM studies WHERE study_uid = ?1";
  sql.find_series = "SELECT id, study_pk, modality FROM series WHERE series_uid = ?1";
  sql.known_parents =
      "SELECT (SELECT se.series_uid FROM instances i JOIN series se ON se.id = i.series_pk "
      "WHERE i.sop_instance_uid = ?1), "
      "(SELECT st.study_uid FROM series se JOIN studies st ON st.id = se.study_pk "
      "WHERE se.series_uid = ?2), "
      "(SELECT p.patient_key FROM studies st JOIN patients p ON p.id = st.patient_pk "
      "WHERE st.study_uid = ?3)";
  sql.study_counts = "SELECT num_series, num_instances FROM studies WHERE id = ?1";
  sql.series_count = "SELECT num_instances FROM series WHERE id = ?1";
  sql.set_study_patient = "UPDATE studies SET patient_pk = ?2 WHERE id = ?1";
  sql.set_series_study = "UPDATE series SET study_pk = ?2 WHERE id = ?1";
  sql.insert_metadata = "INSERT INTO instance_metadata (instance_pk, json) VALUES (?1, ?2)";
  sql.series_gained =
      "UPDATE series SET num_instances = num_instances + 1, latest_instance = ?2 WHERE id = ?1";
  sql.study_gained =
      "UPDATE studies SET num_series = num_series + ?2, num_instances = num_instances + 1, "
      "revision = revision + 1, latest_instance = ?3 WHERE id = ?1";
  sql.patient_gained =
      "UPDATE patients SET num_studies = num_studies + ?2, num_series = num_series + ?3, "
      "num_instances = num_instances + 1, latest_instance = ?4 WHERE id = ?1";
  sql.refresh_modalities =
      "UPDATE studies SET modalities = (SELECT group_concat(modality, '\\') FROM (SELECT DISTINCT "
      "modality FROM series WHERE study_pk = ?1 AND modality IS NOT NULL ORDER BY modality)) "
      "WHERE id = ?1";
  sql.refresh_study =
      "UPDATE studies SET modalities = (SELECT group_concat(modality, '\\') FROM (SELECT DISTINCT "
      "modality FROM series WHERE study_pk = ?1 AND modality IS NOT NULL ORDER BY modality)), "
      "sop_classes = (SELECT group_concat(c, '\\') FROM (SELECT DISTINCT i.sop_class_uid AS c "
      "FROM series se JOIN instances i ON i.series_pk = se.id WHERE se.study_pk = ?1 ORDER BY c)), "
      "latest_instance = (SELECT max(latest_instance) FROM series WHERE study_pk = ?1), "
      "revision = revision + 1 WHERE id = ?1";
  sql.set_sop_classes = "UPDATE studies SET sop_classes = ?2 WHERE id = ?1";
  sql.is_stored = "SELECT 1 FROM instances WHERE id = ?1";
  sql.forget_garbage = "DELETE FROM garbage WHERE blob IN (SELECT value FROM json_each(?1))";
  sql.find_scope_instance =
      "SELECT i.id, i.series_pk, i.sop_class_uid FROM instances i "
      "JOIN series se ON se.id = i.series_pk JOIN studies st ON st.id = se.study_pk "
      "WHERE st.study_uid = ?1 AND se.series_uid = ?2 AND i.sop_instance_uid = ?3";
  sql.find_scope_series =
      "SELECT se.id, se.study_pk, se.num_instances FROM series se "
      "JOIN studies st ON st.id = se.study_pk WHERE st.study_uid = ?1 AND se.series_uid = ?2";
  sql.find_scope_study =
      "SELECT id, patient_pk, num_series, num_instances FROM studies WHERE study_uid = ?1";
  sql.series_of_study = "SELECT id FROM series WHERE study_pk = ?1";
  sql.instances_of_series = "SELECT id FROM instances WHERE series_pk = ?1";
  sql.garbage_of_series =
      "INSERT OR IGNORE INTO garbage (blob) SELECT id FROM instances WHERE series_pk = ?1";
  sql.delete_series_metadata =
      "DELETE FROM instance_metadata WHERE instance_pk IN "
      "(SELECT id FROM instances WHERE series_pk = ?1)";
  sql.delete_series_instances = "DELETE FROM instances WHERE series_pk = ?1";
}

WriterSql WriterSql::Build() {
  const auto patient = InstanceColumns(IndexTable::kPatients);
  const auto study = InstanceColumns(IndexTable::kStudies);
  const auto series = InstanceColumns(IndexTable::kSeries);
  const auto instance = InstanceColumns(IndexTable::kInstances);
  WriterSql sql;
  sql.insert_patient = InsertSql("patients", {"patient_key"}, patient);
  sql.update_patient = UpdateSql("patients", patient);
  sql.insert_study = InsertSql("studies", {"patient_pk"}, study);
  sql.update_study = UpdateSql("studies", study);
  sql.insert_series = InsertSql("series", {"study_pk"}, series);
  sql.update_series = UpdateSql("series", series);
  sql.insert_instance = InsertSql(
      "instances", {"id", "series_pk", "transfer_syntax_uid", "size", "stored_at"}, instance);
  AddFixedStatements(sql);
  return sql;
}

}  // namespace tessera::archive
