#include "dimse/commit_scp.h"

#include <string_view>

#include <dcmtk/ofstd/ofstd.h>
#include <spdlog/spdlog.h>

#include "dimse/commitment_reporter.h"
#include "dimse/dimse_status.h"
#include "dimse/message_io.h"

namespace tessera::dimse {
namespace {

// N-ACTION statuses (PS3.7 10.1.4.1.10).
constexpr std::uint16_t kInvalidArgumentValue = 0x0115;
constexpr std::uint16_t kInvalidSopInstance = 0x0117;
constexpr std::uint16_t kNoSuchSopClass = 0x0118;
constexpr std::uint16_t kNoSuchAction = 0x0123;
constexpr std::uint16_t kResourceLimitation = 0x0213;

// The one action of the Storage Commitment Push Model: "Request Storage Commitment".
constexpr std::uint16_t kRequestStorageCommitment = 1;

Status Respond(ServiceContext& context, const T_DIMSE_N_ActionRQ& request,
               T_ASC_PresentationContextID context_id, std::uint16_t code,
               std::string_view comment) {
  T_DIMSE_Message message{};
  message.CommandField = DIMSE_N_ACTION_RSP;
  T_DIMSE_N_ActionRSP& response = message.msg.NActionRSP;
  response.MessageIDBeingRespondedTo = request.MessageID;
  response.DimseStatus = code;
  response.DataSetType = DIMSE_DATASET_NULL;
  OFStandard::strlcpy(response.AffectedSOPClassUID, request.RequestedSOPClassUID,
                      sizeof response.AffectedSOPClassUID);
  OFStandard::strlcpy(response.AffectedSOPInstanceUID, request.RequestedSOPInstanceUID,
                      sizeof response.AffectedSOPInstanceUID);
  response.ActionTypeID = request.ActionTypeID;
  response.opts =
      O_NACTION_AFFECTEDSOPCLASSUID | O_NACTION_AFFECTEDSOPINSTANCEUID | O_NACTION_ACTIONTYPEID;
  const auto detail = comment.empty() ? nullptr : ErrorComment(comment);
  if (!comment.empty()) {
    spdlog::warn("dimse: storage commitment request from {} refused: {}", context.Caller(),
                 comment);
  }
  return SendStatus(DIMSE_sendMessageUsingMemoryData(&context.association, context_id, &message,
                                                     detail.get(), nullptr, nullptr, nullptr),
                    "an N-ACTION response");
}

}  // namespace

Status ServeCommit(ServiceContext& context, const T_DIMSE_N_ActionRQ& request,
                   T_ASC_PresentationContextID context_id) {
  ++context.stats.commitments;
  // Every check that needs no data set comes first: a refused request's data set
  // is dropped unparsed, so that only known peers' data sets are parsed at all.
  const bool has_information = request.DataSetType != DIMSE_DATASET_NULL;
  const auto refuse = [&](std::uint16_t code, std::string_view why) -> Status {
    if (has_information) {
      if (auto skipped = SkipDataSet(context.association, context.dimse_timeout()); !skipped) {
        return skipped;
      }
    }
    return Respond(context, request, context_id, code, why);
  };
  if (std::string_view(request.RequestedSOPClassUID) != UID_StorageCommitmentPushModelSOPClass) {
    return refuse(kNoSuchSopClass, "N-ACTION is served for storage commitment only");
  }
  if (std::string_view(request.RequestedSOPInstanceUID) !=
      UID_StorageCommitmentPushModelSOPInstance) {
    return refuse(kInvalidSopInstance, "not the storage commitment SOP instance");
  }
  if (request.ActionTypeID != kRequestStorageCommitment) {
    return refuse(kNoSuchAction, "no such storage commitment action");
  }
  if (!context.Allows(Operation::kStore)) {
    return refuse(status::kNotAuthorized, "this AE title may not store");
  }
  const KnownPeer* peer = context.policy.FindPeer(context.peer.calling_ae);
  if (peer == nullptr) {
    return refuse(status::kProcessingFailure,
                  "results go to known peers: add this AE to dicom.modalities");
  }
  if (!has_information) return refuse(kInvalidArgumentValue, "no Action Information");
  auto information = ReceiveDataSet(context.association, context.dimse_timeout());
  const auto answer = [&](std::uint16_t code, std::string_view why) {
    return Respond(context, request, context_id, code, why);
  };
  // Malformed bytes were received whole: the association can still answer.
  if (!information && information.error().code == ErrorCode::kInvalidArgument) {
    return answer(kInvalidArgumentValue, information.error().message);
  }
  if (!information) return std::move(information).error();
  auto parsed = ParseCommitmentRequest(**information);
  if (!parsed) return answer(kInvalidArgumentValue, parsed.error().message);
  const std::string transaction = parsed->transaction_uid;
  const std::size_t count = parsed->items.size();
  if (auto submitted = context.commitments.Submit(*peer, std::move(*parsed)); !submitted) {
    // Both pass: too many waiting reports, a full disk (PS3.4 J.3.2: 0x0213).
    const bool full = submitted.error().code == ErrorCode::kUnavailable ||
                      submitted.error().code == ErrorCode::kStorageFull;
    const bool limit = submitted.error().code == ErrorCode::kUnavailable;
    return answer(full ? kResourceLimitation : status::kProcessingFailure,
                  limit ? submitted.error().message : PublicComment(submitted.error()));
  }
  spdlog::info("dimse: storage commitment {} from {}: {} instances, report to {}:{}", transaction,
               context.Caller(), count, peer->host, peer->port);
  return answer(status::kSuccess, "");
}

}  // namespace tessera::dimse
