#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "db/statement.h"
#include "dicom/instance_reader.h"

namespace tessera::archive {

// A value bound into an index column: NULL, an integer or text.
using SqlValue = std::variant<std::monostate, std::int64_t, std::string>;

void BindValue(db::Statement& statement, int index, const SqlValue& value);

// The index tables that take values from an instance's data set.
enum class IndexTable { kPatients, kStudies, kSeries, kInstances };

// The columns of `table` filled from an instance, in the order of the matching
// InstanceRecord values. Study rows carry the patient columns too.
std::vector<std::string> InstanceColumns(IndexTable table);

// What the index stores about one received instance, extracted once, outside
// any lock, so that the commit only binds values.
struct InstanceRecord {
  std::string study_uid;
  std::string series_uid;
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string transfer_syntax_uid;
  // PatientID + '\' + IssuerOfPatientID; '\' + StudyInstanceUID when there is no
  // PatientID, so that each such study gets a patient of its own.
  std::string patient_key;
  std::string modality;
  std::vector<SqlValue> patient_values;   // InstanceColumns(kPatients) order
  std::vector<SqlValue> study_values;     // InstanceColumns(kStudies) order
  std::vector<SqlValue> series_values;    // InstanceColumns(kSeries) order
  std::vector<SqlValue> instance_values;  // InstanceColumns(kInstances) order
  std::uint64_t size = 0;
  std::int64_t stored_at_ms = 0;
  std::string metadata_json;  // the data set as DICOM JSON text
};

// Builds the record from a parsed instance. `size` is the file size.
InstanceRecord MakeInstanceRecord(const dicom::InstanceInfo& info, std::uint64_t size,
                                  std::int64_t stored_at_ms);

}  // namespace tessera::archive
