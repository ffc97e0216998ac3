#include "archive/parentage.h"

#include <utility>

namespace tessera::archive {

// The reasons come first: a C-STORE Error Comment keeps 64 characters. The
// stored patient's ID is not quoted: the caller may not be allowed to see it.
Status CheckParents(const InstanceRecord& record, const KnownParents& known) {
  if (known.series_of_instance && *known.series_of_instance != record.series_uid) {
    return Fail(ErrorCode::kConflict,
                "instance already stored in another series: SOP Instance UID " +
                    record.sop_instance_uid + " is in series " + *known.series_of_instance +
                    ", not " + record.series_uid);
  }
  if (known.study_of_series && *known.study_of_series != record.study_uid) {
    return Fail(ErrorCode::kConflict,
                "series already stored under another study: Series Instance UID " +
                    record.series_uid + " is in study " + *known.study_of_series + ", not " +
                    record.study_uid);
  }
  if (known.patient_of_study && *known.patient_of_study != record.patient_key) {
    return Fail(ErrorCode::kConflict,
                "study already stored under another patient: Study Instance UID " +
                    record.study_uid + " has another Patient ID (or issuer)");
  }
  return Ok();
}

bool InFlightParents::Covers(const Scope& scope) const {
  if (!scope.sop_instance_uid.empty()) return instances_.contains(scope.sop_instance_uid);
  if (!scope.series_uid.empty()) return series_.contains(scope.series_uid);
  return studies_.contains(scope.study_uid);
}

void InFlightParents::Add(const InstanceRecord& record) {
  // Checked before they were added, so an existing entry names the same parent.
  Parent& instance = instances_[record.sop_instance_uid];
  if (instance.count++ == 0) instance.uid = record.series_uid;
  Parent& series = series_[record.series_uid];
  if (series.count++ == 0) series.uid = record.study_uid;
  Parent& study = studies_[record.study_uid];
  if (study.count++ == 0) study.uid = record.patient_key;
}

void InFlightParents::Remove(const InstanceRecord& record) {
  for (const auto& [parents, uid] :
       {std::pair{&instances_, &record.sop_instance_uid}, std::pair{&series_, &record.series_uid},
        std::pair{&studies_, &record.study_uid}}) {
    if (const auto it = parents->find(*uid); it != parents->end() && --it->second.count == 0) {
      parents->erase(it);
    }
  }
}

bool InFlightParents::Fill(const InstanceRecord& record, KnownParents& known) const {
  if (!known.series_of_instance) {
    if (const auto it = instances_.find(record.sop_instance_uid); it != instances_.end()) {
      known.series_of_instance = it->second.uid;
    }
  }
  if (!known.study_of_series) {
    if (const auto it = series_.find(record.series_uid); it != series_.end()) {
      known.study_of_series = it->second.uid;
    }
  }
  if (!known.patient_of_study) {
    if (const auto it = studies_.find(record.study_uid); it != studies_.end()) {
      known.patient_of_study = it->second.uid;
    }
  }
  return known.series_of_instance && known.study_of_series && known.patient_of_study;
}

}  // namespace tessera::archive
