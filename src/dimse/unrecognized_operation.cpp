#include "dimse/unrecognized_operation.h"

#include <cstdint>
#include <optional>
#include <string>

#include <dcmtk/ofstd/ofstd.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "dimse/message_io.h"

namespace tessera::dimse {
namespace {

constexpr std::uint16_t kUnrecognizedOperation = 0x0211;

struct Refusal {
  T_DIMSE_DataSetType request_data_set = DIMSE_DATASET_NULL;
  const char* name = nullptr;
};

// Fills a response of type `Response` to the request `message_id` about
// `sop_class` and `sop_instance` (which N-CREATE may leave empty); `class_flag`
// and `instance_flag` are its type's `opts` bits for the two UIDs.
template <typename Response>
void Answer(Response& response, DIC_US message_id, const char* sop_class, const char* sop_instance,
            unsigned int class_flag, unsigned int instance_flag) {
  response.MessageIDBeingRespondedTo = message_id;
  response.DimseStatus = kUnrecognizedOperation;
  response.DataSetType = DIMSE_DATASET_NULL;
  OFStandard::strlcpy(response.AffectedSOPClassUID, sop_class, sizeof response.AffectedSOPClassUID);
  OFStandard::strlcpy(response.AffectedSOPInstanceUID, sop_instance,
                      sizeof response.AffectedSOPInstanceUID);
  response.opts = class_flag | (sop_instance[0] == '\0' ? 0 : instance_flag);
}

// Turns `request` into its response in `response`; nullopt for commands that
// are not DIMSE-N requests Tessera leaves unserved.
std::optional<Refusal> BuildResponse(const T_DIMSE_Message& request, T_DIMSE_Message& response) {
  switch (request.CommandField) {
    case DIMSE_N_GET_RQ: {
      const auto& rq = request.msg.NGetRQ;
      response.CommandField = DIMSE_N_GET_RSP;
      Answer(response.msg.NGetRSP, rq.MessageID, rq.RequestedSOPClassUID,
             rq.RequestedSOPInstanceUID, O_NGET_AFFECTEDSOPCLASSUID, O_NGET_AFFECTEDSOPINSTANCEUID);
      return Refusal{rq.DataSetType, "N-GET"};
    }
    case DIMSE_N_SET_RQ: {
      const auto& rq = request.msg.NSetRQ;
      response.CommandField = DIMSE_N_SET_RSP;
      Answer(response.msg.NSetRSP, rq.MessageID, rq.RequestedSOPClassUID,
             rq.RequestedSOPInstanceUID, O_NSET_AFFECTEDSOPCLASSUID, O_NSET_AFFECTEDSOPINSTANCEUID);
      return Refusal{rq.DataSetType, "N-SET"};
    }
    case DIMSE_N_CREATE_RQ: {
      const auto& rq = request.msg.NCreateRQ;
      response.CommandField = DIMSE_N_CREATE_RSP;
      Answer(response.msg.NCreateRSP, rq.MessageID, rq.AffectedSOPClassUID,
             rq.AffectedSOPInstanceUID, O_NCREATE_AFFECTEDSOPCLASSUID,
             O_NCREATE_AFFECTEDSOPINSTANCEUID);
      return Refusal{rq.DataSetType, "N-CREATE"};
    }
    case DIMSE_N_DELETE_RQ: {
      const auto& rq = request.msg.NDeleteRQ;
      response.CommandField = DIMSE_N_DELETE_RSP;
      Answer(response.msg.NDeleteRSP, rq.MessageID, rq.RequestedSOPClassUID,
             rq.RequestedSOPInstanceUID, O_NDELETE_AFFECTEDSOPCLASSUID,
             O_NDELETE_AFFECTEDSOPINSTANCEUID);
      return Refusal{rq.DataSetType, "N-DELETE"};
    }
    case DIMSE_N_EVENT_REPORT_RQ: {
      const auto& rq = request.msg.NEventReportRQ;
      response.CommandField = DIMSE_N_EVENT_REPORT_RSP;
      Answer(response.msg.NEventReportRSP, rq.MessageID, rq.AffectedSOPClassUID,
             rq.AffectedSOPInstanceUID, O_NEVENTREPORT_AFFECTEDSOPCLASSUID,
             O_NEVENTREPORT_AFFECTEDSOPINSTANCEUID);
      response.msg.NEventReportRSP.EventTypeID = rq.EventTypeID;
      response.msg.NEventReportRSP.opts |= O_NEVENTREPORT_EVENTTYPEID;
      return Refusal{rq.DataSetType, "N-EVENT-REPORT"};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

Status RefuseUnrecognizedOperation(ServiceContext& context, const T_DIMSE_Message& request,
                                   T_ASC_PresentationContextID context_id) {
  T_DIMSE_Message response{};
  const auto refusal = BuildResponse(request, response);
  if (!refusal) {
    return Fail(ErrorCode::kUnsupported, fmt::format("unsupported DIMSE command {:#06x}",
                                                     static_cast<unsigned>(request.CommandField)));
  }
  if (refusal->request_data_set != DIMSE_DATASET_NULL) {
    if (auto skipped = SkipDataSet(context.association, context.dimse_timeout()); !skipped) {
      return skipped;
    }
  }
  ++context.stats.unrecognized;
  spdlog::info("dimse: {} from {} refused: Tessera does not serve it", refusal->name,
               context.Caller());
  const auto detail = ErrorComment(std::string(refusal->name) + " is not supported");
  return SendStatus(DIMSE_sendMessageUsingMemoryData(&context.association, context_id, &response,
                                                     detail.get(), nullptr, nullptr, nullptr),
                    std::string("an ") + refusal->name + " response");
}

}  // namespace tessera::dimse
