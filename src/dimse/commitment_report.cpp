#include "dimse/commitment_report.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/ofstd/ofstd.h>
#include <spdlog/fmt/fmt.h>

#include "dicom/codecs.h"
#include "dimse/dimse_status.h"
#include "dimse/message_io.h"
#include "dimse/outbound_association.h"

namespace tessera::dimse {
namespace {

constexpr std::chrono::seconds kReportTimeout{10};

}  // namespace

Status SendCommitmentReport(const KnownPeer& peer, const DimseOptions& options,
                            DcmTLSTransportLayer* tls, const CommitmentRequest& request,
                            const CommitmentResult& result) {
  const Proposal proposal{UID_StorageCommitmentPushModelSOPClass,
                          {std::string(dicom::transfer_syntax::kExplicitVrLittleEndian),
                           std::string(dicom::transfer_syntax::kImplicitVrLittleEndian)},
                          ASC_SC_ROLE_SCP};
  // A report is small: a modality that takes longer than this is down or stuck,
  // and the report worker is better spent on another while it waits to resend.
  DimseOptions brief = options;
  brief.association_timeout = std::min(options.association_timeout, kReportTimeout);
  brief.dimse_timeout = std::min(options.dimse_timeout, kReportTimeout);
  auto outbound = OutboundAssociation::Open(peer, brief, tls, {&proposal, 1});
  if (!outbound) return std::move(outbound).error();
  T_ASC_Association& association = (*outbound)->association();
  const T_ASC_PresentationContextID id =
      ASC_findAcceptedPresentationContextID(&association, UID_StorageCommitmentPushModelSOPClass);
  if (id == 0) {
    (*outbound)->MarkBroken();
    return Fail(ErrorCode::kUnavailable, "it accepted no storage commitment context");
  }

  T_DIMSE_Message message{};
  message.CommandField = DIMSE_N_EVENT_REPORT_RQ;
  T_DIMSE_N_EventReportRQ& report = message.msg.NEventReportRQ;
  report.MessageID = association.nextMsgID++;
  OFStandard::strlcpy(report.AffectedSOPClassUID, UID_StorageCommitmentPushModelSOPClass,
                      sizeof report.AffectedSOPClassUID);
  OFStandard::strlcpy(report.AffectedSOPInstanceUID, UID_StorageCommitmentPushModelSOPInstance,
                      sizeof report.AffectedSOPInstanceUID);
  report.EventTypeID = CommitmentEventType(result);
  report.DataSetType = DIMSE_DATASET_PRESENT;
  auto information = CommitmentEventInformation(request, result, options.ae_title);
  const int timeout = static_cast<int>(brief.dimse_timeout.count());
  OFCondition done = DIMSE_sendMessageUsingMemoryData(&association, id, &message, nullptr,
                                                      information.get(), nullptr, nullptr);
  if (done.bad()) {
    (*outbound)->MarkBroken();
    return Fail(ErrorCode::kUnavailable, std::string("sending the N-EVENT-REPORT: ") + done.text());
  }

  T_DIMSE_Message response{};
  T_ASC_PresentationContextID response_id = 0;
  DcmDataset* raw_detail = nullptr;
  done = DIMSE_receiveCommand(&association, DIMSE_NONBLOCKING, timeout, &response_id, &response,
                              &raw_detail);
  const std::unique_ptr<DcmDataset> detail(raw_detail);
  const T_DIMSE_N_EventReportRSP& answer = response.msg.NEventReportRSP;
  if (done.bad() || response.CommandField != DIMSE_N_EVENT_REPORT_RSP ||
      answer.MessageIDBeingRespondedTo != report.MessageID) {
    (*outbound)->MarkBroken();
    return Fail(ErrorCode::kUnavailable, std::string("no N-EVENT-REPORT response: ") +
                                             (done.bad() ? done.text() : "another message came"));
  }
  if (answer.DataSetType != DIMSE_DATASET_NULL) {
    if (auto skipped = SkipDataSet(association, timeout); !skipped) {
      (*outbound)->MarkBroken();
      return skipped;
    }
  }
  if (!IsSuccessOrWarning(answer.DimseStatus)) {
    return Fail(
        ErrorCode::kUnavailable,
        fmt::format("it answered the N-EVENT-REPORT with status {:#06x}", answer.DimseStatus));
  }
  return Ok();
}

}  // namespace tessera::dimse
