#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include "archive/archive.h"
#include "base/result.h"

namespace tessera::dimse {

// The Storage Commitment Push Model (PS3.4 annex J) without the network: what a
// request asks, what the archive holds of it, and the report that says so.

struct CommitmentItem {
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

// An N-ACTION's Action Information: Transaction UID (0008,1195) and the
// instances of Referenced SOP Sequence (0008,1199).
struct CommitmentRequest {
  std::string transaction_uid;
  std::vector<CommitmentItem> items;
};

// At most this many instances in one request, which is held in memory until
// its report is delivered.
inline constexpr std::size_t kMaxCommitmentItems = 100'000;

// Reads the Action Information of a storage commitment request. Errors:
// kInvalidArgument naming what is missing or malformed (the Transaction UID, the
// sequence, an item's UIDs), or when there are over kMaxCommitmentItems items.
Result<CommitmentRequest> ParseCommitmentRequest(DcmItem& action_information);

struct CommitmentFailure {
  CommitmentItem item;
  std::uint16_t reason = 0;  // Failure Reason (0008,1197), PS3.4 J.3.3.1.1
};

inline constexpr std::uint16_t kNoSuchObjectInstance = 0x0112;
inline constexpr std::uint16_t kClassInstanceConflict = 0x0119;

struct CommitmentResult {
  std::vector<CommitmentItem> committed;  // stored, in the request's order
  std::vector<CommitmentFailure> failed;
  // False when an instance was not found while the index lags behind what was
  // acknowledged (Archive::IndexState): it may be stored, so ask again later.
  bool settled = true;
};

// Looks every requested instance up in the archive: stored with the requested
// SOP class is committed (an acknowledged instance is on disk: the ingest
// fsyncs before it acknowledges); stored with another class fails with
// kClassInstanceConflict, absent with kNoSuchObjectInstance. Errors: the
// archive's (a failed query).
Result<CommitmentResult> CheckCommitment(const archive::Archive& archive,
                                         const CommitmentRequest& request);

// Event Type ID of the N-EVENT-REPORT: 1 when every instance is committed,
// 2 when failures exist.
std::uint16_t CommitmentEventType(const CommitmentResult& result);

// The N-EVENT-REPORT's Event Information: Transaction UID, Retrieve AE Title
// (where the instances can be retrieved), Referenced SOP Sequence (committed;
// left out when empty) and Failed SOP Sequence (with Failure Reason; left out
// when empty).
std::unique_ptr<DcmDataset> CommitmentEventInformation(const CommitmentRequest& request,
                                                       const CommitmentResult& result,
                                                       std::string_view retrieve_ae_title);

}  // namespace tessera::dimse
