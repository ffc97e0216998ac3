#include "dimse/retrieve.h"

#include <map>
#include <set>
#include <utility>

#include <dcmtk/dcmdata/dcdeftag.h>

#include "dicom/attribute_dictionary.h"
#include "dicom/dataset_json.h"
#include "dimse/dimse_status.h"

namespace tessera::dimse {
namespace {

constexpr archive::Tag kSopInstanceUid = 0x00080018;
constexpr archive::Tag kStudyInstanceUid = 0x0020000D;
constexpr archive::Tag kSeriesInstanceUid = 0x0020000E;

// Appends the instances of `scope` (filtered to `only` when not empty).
Status AppendInstances(const archive::Archive& archive, const archive::Scope& scope,
                       const std::set<std::string>& only, std::set<std::string>& seen,
                       std::vector<archive::InstanceRef>& out) {
  auto instances = archive.Instances(scope);
  if (!instances && instances.error().code == ErrorCode::kNotFound) return Ok();
  if (!instances) return std::move(instances).error();
  for (archive::InstanceRef& instance : *instances) {
    if (!only.empty() && only.count(instance.sop_instance_uid) == 0) continue;
    if (!seen.insert(instance.sop_instance_uid).second) continue;
    out.push_back(std::move(instance));
  }
  return Ok();
}

}  // namespace

Result<std::vector<archive::InstanceRef>> FindInstances(const archive::Archive& archive,
                                                        const archive::Query& query) {
  auto found = archive.Find(query);
  if (!found) return std::move(found).error();
  if (found->truncated) return TooManyMatches();

  // Scopes in match order; instance-level matches grouped by their series.
  std::vector<archive::Scope> scopes;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> wanted;
  std::set<std::pair<std::string, std::string>> scoped;
  for (const nlohmann::json& match : found->matches) {
    archive::Scope scope;
    scope.study_uid = dicom::FirstString(match, kStudyInstanceUid);
    if (scope.study_uid.empty()) continue;
    if (query.level >= archive::QueryLevel::kSeries) {
      scope.series_uid = dicom::FirstString(match, kSeriesInstanceUid);
      if (scope.series_uid.empty()) continue;
    }
    const auto key = std::make_pair(scope.study_uid, scope.series_uid);
    if (query.level == archive::QueryLevel::kInstance) {
      const std::string sop = dicom::FirstString(match, kSopInstanceUid);
      if (sop.empty()) continue;
      wanted[key].insert(sop);
    }
    if (scoped.insert(key).second) scopes.push_back(std::move(scope));
  }

  std::vector<archive::InstanceRef> instances;
  std::set<std::string> seen;
  const std::set<std::string> everything;
  for (const archive::Scope& scope : scopes) {
    const auto only = wanted.find({scope.study_uid, scope.series_uid});
    const std::set<std::string>& filter = only == wanted.end() ? everything : only->second;
    if (auto added = AppendInstances(archive, scope, filter, seen, instances); !added) {
      return std::move(added).error();
    }
  }
  return instances;
}

void SubOperationTally::Record(const std::string& sop_instance_uid, std::uint16_t store_status) {
  if (remaining_ > 0) --remaining_;
  if (store_status == status::kSuccess) {
    ++completed_;
    return;
  }
  if (IsSuccessOrWarning(store_status)) {
    ++warning_;
    return;
  }
  ++failed_;
  failed_uids_.push_back(sop_instance_uid);
}

void SubOperationTally::RecordFailure(const std::string& sop_instance_uid) {
  if (remaining_ > 0) --remaining_;
  ++failed_;
  failed_uids_.push_back(sop_instance_uid);
}

void SubOperationTally::RecordFailures(std::span<const archive::InstanceRef> rest) {
  for (const archive::InstanceRef& instance : rest) RecordFailure(instance.sop_instance_uid);
}

std::uint16_t SubOperationTally::FinalStatus(bool cancelled) const {
  if (cancelled) return status::kCancel;
  if (failed_ > 0 && completed_ == 0 && warning_ == 0) return status::kOutOfResourcesSubOperations;
  if (failed_ > 0 || warning_ > 0) return status::kWarningSubOperationsFailed;
  return status::kSuccess;
}

std::unique_ptr<DcmDataset> SubOperationTally::FailedInstancesIdentifier() const {
  if (failed_uids_.empty()) return nullptr;
  std::string list;
  for (const std::string& uid : failed_uids_) {
    if (!list.empty()) list += '\\';
    list += uid;
  }
  auto identifier = std::make_unique<DcmDataset>();
  identifier->putAndInsertString(DCM_FailedSOPInstanceUIDList, list.c_str());
  return identifier;
}

}  // namespace tessera::dimse
