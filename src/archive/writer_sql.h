#pragma once

#include <string>

namespace tessera::archive {

// The SQL of the index writer, built once per archive: the statements whose
// column lists come from the attribute table (attributes.cpp) and the fixed ones
// (named after what they do; parameters are documented by their ?N).
struct WriterSql {
  static WriterSql Build();

  std::string insert_patient;
  std::string update_patient;
  std::string insert_study;
  std::string update_study;
  std::string insert_series;
  std::string update_series;
  std::string insert_instance;

  std::string find_instance;
  std::string parents_of;
  std::string delete_metadata;
  std::string delete_instance;
  std::string add_garbage;
  std::string shrink_series;
  std::string delete_series;
  std::string adjust_study;
  std::string patient_of_study;
  std::string delete_study;
  std::string adjust_patient;
  std::string delete_patient;
  std::string find_patient;
  std::string find_study;
  std::string find_series;
  std::string known_parents;
  std::string study_counts;
  std::string series_count;
  std::string set_study_patient;
  std::string set_series_study;
  std::string insert_metadata;
  std::string series_gained;
  std::string study_gained;
  std::string patient_gained;
  std::string refresh_modalities;
  std::string refresh_study;
  std::string set_sop_classes;
  std::string is_stored;
  std::string forget_garbage;
  std::string find_scope_instance;
  std::string find_scope_series;
  std::string find_scope_study;
  std::string series_of_study;
  std::string instances_of_series;
  std::string garbage_of_series;
  std::string delete_series_metadata;
  std::string delete_series_instances;
};

}  // namespace tessera::archive
