#include "dimse/storage_commitment.h"

#include <map>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include "base/strings.h"
#include "dicom/attribute_dictionary.h"
#include "dicom/dataset_json.h"

namespace tessera::dimse {
namespace {

// Instances looked up per query: a UID list of this many stays a short statement.
constexpr std::size_t kLookupBatch = 500;

Error Malformed(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(message));
}

// The UID in `tag` of `item`, without its padding; empty when absent.
std::string UidIn(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  if (item.findAndGetOFString(tag, value).bad()) return {};
  return std::string(
      TrimRight(std::string_view(value.data(), value.size()), std::string_view(" \0", 2)));
}

Result<CommitmentItem> ParseItem(DcmItem& item, unsigned long index) {
  CommitmentItem parsed{UidIn(item, DCM_ReferencedSOPClassUID),
                        UidIn(item, DCM_ReferencedSOPInstanceUID)};
  if (!dicom::IsValidUid(parsed.sop_class_uid) || !dicom::IsValidUid(parsed.sop_instance_uid)) {
    return Malformed("Referenced SOP Sequence item " + std::to_string(index + 1) +
                     " lacks a valid Referenced SOP Class or Instance UID");
  }
  return parsed;
}

// SOP Instance UID -> SOP Class UID of the stored ones among `items`.
Result<std::map<std::string, std::string>> StoredClasses(const archive::Archive& archive,
                                                         std::span<const CommitmentItem> items,
                                                         bool& settled) {
  constexpr archive::Tag kSopClassUid = 0x00080016;
  constexpr archive::Tag kSopInstanceUid = 0x00080018;
  std::map<std::string, std::string> stored;
  for (std::size_t start = 0; start < items.size(); start += kLookupBatch) {
    const auto batch = items.subspan(start, std::min(kLookupBatch, items.size() - start));
    archive::Query query;
    query.level = archive::QueryLevel::kInstance;
    archive::Condition uids{kSopInstanceUid, archive::MatchType::kUidList, {}};
    for (const CommitmentItem& item : batch) uids.values.push_back(item.sop_instance_uid);
    query.conditions.push_back(std::move(uids));
    query.include = {kSopClassUid};
    query.limit = batch.size();
    auto found = archive.Find(query);
    if (!found) return std::move(found).error();
    if (found->unindexed > 0) settled = false;
    for (const nlohmann::json& match : found->matches) {
      stored.emplace(dicom::FirstString(match, kSopInstanceUid),
                     dicom::FirstString(match, kSopClassUid));
    }
  }
  return stored;
}

void AddReference(DcmItem& parent, const DcmTagKey& sequence, const CommitmentItem& item,
                  std::uint16_t failure_reason = 0) {
  DcmItem* added = nullptr;
  parent.findOrCreateSequenceItem(sequence, added, -2);
  if (added == nullptr) return;
  added->putAndInsertString(DCM_ReferencedSOPClassUID, item.sop_class_uid.c_str());
  added->putAndInsertString(DCM_ReferencedSOPInstanceUID, item.sop_instance_uid.c_str());
  if (failure_reason != 0) added->putAndInsertUint16(DCM_FailureReason, failure_reason);
}

}  // namespace

Result<CommitmentRequest> ParseCommitmentRequest(DcmItem& action_information) {
  CommitmentRequest request;
  request.transaction_uid = UidIn(action_information, DCM_TransactionUID);
  if (!dicom::IsValidUid(request.transaction_uid)) {
    return Malformed("missing or invalid Transaction UID");
  }
  DcmSequenceOfItems* sequence = nullptr;
  action_information.findAndGetSequence(DCM_ReferencedSOPSequence, sequence);
  if (sequence == nullptr || sequence->card() == 0) {
    return Malformed("missing or empty Referenced SOP Sequence");
  }
  if (sequence->card() > kMaxCommitmentItems) {
    return Malformed("more than " + std::to_string(kMaxCommitmentItems) +
                     " instances in one request");
  }
  // Walked in order: getItem(i) walks the list from its start each time.
  unsigned long index = 0;
  for (DcmObject* object = sequence->nextInContainer(nullptr); object != nullptr;
       object = sequence->nextInContainer(object), ++index) {
    auto item = ParseItem(*static_cast<DcmItem*>(object), index);
    if (!item) return std::move(item).error();
    request.items.push_back(std::move(*item));
  }
  return request;
}

Result<CommitmentResult> CheckCommitment(const archive::Archive& archive,
                                         const CommitmentRequest& request) {
  CommitmentResult result;
  bool complete = true;
  auto stored = StoredClasses(archive, request.items, complete);
  if (!stored) return std::move(stored).error();
  for (const CommitmentItem& item : request.items) {
    const auto found = stored->find(item.sop_instance_uid);
    if (found == stored->end()) {
      result.failed.push_back({item, kNoSuchObjectInstance});
      if (!complete) result.settled = false;
    } else if (found->second != item.sop_class_uid) {
      result.failed.push_back({item, kClassInstanceConflict});
    } else {
      result.committed.push_back(item);
    }
  }
  return result;
}

std::uint16_t CommitmentEventType(const CommitmentResult& result) {
  return result.failed.empty() ? 1 : 2;
}

std::unique_ptr<DcmDataset> CommitmentEventInformation(const CommitmentRequest& request,
                                                       const CommitmentResult& result,
                                                       std::string_view retrieve_ae_title) {
  auto information = std::make_unique<DcmDataset>();
  information->putAndInsertString(DCM_TransactionUID, request.transaction_uid.c_str());
  information->putAndInsertString(DCM_RetrieveAETitle, std::string(retrieve_ae_title).c_str());
  for (const CommitmentItem& item : result.committed) {
    AddReference(*information, DCM_ReferencedSOPSequence, item);
  }
  for (const CommitmentFailure& failure : result.failed) {
    AddReference(*information, DCM_FailedSOPSequence, failure.item, failure.reason);
  }
  return information;
}

}  // namespace tessera::dimse
