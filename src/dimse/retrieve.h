#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include "archive/archive.h"
#include "base/result.h"
#include "dimse/dimse_status.h"

namespace tessera::dimse {

// What C-MOVE and C-GET share: finding the instances an identifier names and
// keeping the sub-operation counts.

// The stored instances matching a retrieve query (see
// RetrieveQueryFromIdentifier), each once, study by study in the archive's order.
// Errors: kTooLarge when more match than one query answer holds
// (ArchiveOptions::max_query_results); those of Archive::Find and
// Archive::Instances (an entity deleted meanwhile is skipped, not an error).
Result<std::vector<archive::InstanceRef>> FindInstances(const archive::Archive& archive,
                                                        const archive::Query& query);

// Counts sub-operations for the pending and final responses (PS3.4 C.4.2.1.6).
class SubOperationTally {
 public:
  explicit SubOperationTally(std::size_t total) : remaining_(total) {}

  // Records one finished sub-operation by its C-STORE status.
  void Record(const std::string& sop_instance_uid, std::uint16_t store_status);
  // Records one sub-operation that failed before or without a response.
  void RecordFailure(const std::string& sop_instance_uid);
  // Records the sub-operations of `rest` as failed: none of them will be tried
  // (the peer went away, the server is stopping).
  void RecordFailures(std::span<const archive::InstanceRef> rest);

  std::uint16_t remaining() const { return Clamp(remaining_); }
  std::uint16_t completed() const { return Clamp(completed_); }
  std::uint16_t failed() const { return Clamp(failed_); }
  std::uint16_t warning() const { return Clamp(warning_); }

  // The final status: success, cancel (0xFE00), 0xA702 when every
  // sub-operation failed, 0xB000 when some failed or warned.
  std::uint16_t FinalStatus(bool cancelled) const;

  // The final response identifier: Failed SOP Instance UID List (0008,0058),
  // or nullptr when nothing failed.
  std::unique_ptr<DcmDataset> FailedInstancesIdentifier() const;

 private:
  static std::uint16_t Clamp(std::size_t count) {
    return static_cast<std::uint16_t>(count > 0xFFFF ? 0xFFFF : count);
  }

  std::size_t remaining_;
  std::size_t completed_ = 0;
  std::size_t failed_ = 0;
  std::size_t warning_ = 0;
  std::vector<std::string> failed_uids_;
};

// Fills the counts of a C-MOVE or C-GET response (T_DIMSE_C_MoveRSP and
// T_DIMSE_C_GetRSP share the field names) from `tally` when there is one, and
// returns the identifier the response carries: the failed instances on a final
// response, else nullptr.
template <class RetrieveResponse>
std::unique_ptr<DcmDataset> FillRetrieveResponse(RetrieveResponse& response, std::uint16_t code,
                                                 const SubOperationTally* tally) {
  response.DimseStatus = code;
  if (tally == nullptr) return nullptr;
  response.NumberOfRemainingSubOperations = tally->remaining();
  response.NumberOfCompletedSubOperations = tally->completed();
  response.NumberOfFailedSubOperations = tally->failed();
  response.NumberOfWarningSubOperations = tally->warning();
  return code == status::kPending ? nullptr : tally->FailedInstancesIdentifier();
}

}  // namespace tessera::dimse
