#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "archive/archive.h"
#include "archive/instance_record.h"
#include "base/result.h"

namespace tessera::archive {

// What the archive already holds for a received instance's UIDs: the series
// the instance is stored in (set: the instance is stored), the study its series
// is filed under and the patient (InstanceRecord::patient_key) its study is
// filed under. Filled in stages — the ingester's batch, the merger's queue, the
// index — each setting only what the stages before it did not find; after the
// last stage, an unset field means the archive does not know that UID.
struct KnownParents {
  std::optional<std::string> series_of_instance;
  std::optional<std::string> study_of_series;
  std::optional<std::string> patient_of_study;

  bool instance_stored() const { return series_of_instance.has_value(); }
};

// Refuses an instance that would refile stored data: a stored SOP Instance UID
// sent again in another series, a series already filed under another study, or
// a study already filed under another patient. Taking such an instance would
// move it (or every image of that series or study) — one mislabelled image
// would put another patient's study under its name. A real refiling is a delete
// and a new send. (An instance kept out as a duplicate is not checked: it
// writes nothing.) Errors: kConflict.
Status CheckParents(const InstanceRecord& record, const KnownParents& known);

// The UIDs of instances accepted and not yet in the index, with their parents,
// so that the check sees them before their rows exist. Not thread-safe.
class InFlightParents {
 public:
  void Add(const InstanceRecord& record);
  // REQUIRES: `record` was added (and not removed since).
  void Remove(const InstanceRecord& record);

  // Sets the fields of `known` that are unset and that the instances in flight
  // answer. Returns true when every field is settled (nothing left to look up).
  bool Fill(const InstanceRecord& record, KnownParents& known) const;

  // True when an instance in flight may belong to `scope` (by the scope's most
  // specific UID).
  bool Covers(const Scope& scope) const;

 private:
  struct Parent {
    std::string uid;  // a series' or study's UID, or a patient key
    std::size_t count = 0;
  };

  std::unordered_map<std::string, Parent> instances_;  // SOP Instance UID -> its series
  std::unordered_map<std::string, Parent> series_;     // series UID -> its study
  std::unordered_map<std::string, Parent> studies_;    // study UID -> its patient
};

}  // namespace tessera::archive
