#include "dimse/get_scp.h"

#include <spdlog/spdlog.h>

#include "dimse/dimse_status.h"
#include "dimse/message_io.h"
#include "dimse/query_from_identifier.h"
#include "dimse/retrieve.h"
#include "dimse/store_scu.h"

namespace tessera::dimse {
namespace {

Status Respond(ServiceContext& context, const T_DIMSE_C_GetRQ& request,
               T_ASC_PresentationContextID context_id, std::uint16_t code,
               const SubOperationTally* tally, std::string_view comment) {
  T_DIMSE_C_GetRSP response{};
  const auto identifier = FillRetrieveResponse(response, code, tally);
  const auto detail = comment.empty() ? nullptr : ErrorComment(comment);
  return SendStatus(DIMSE_sendGetResponse(&context.association, context_id, &request, &response,
                                          identifier.get(), detail.get()),
                    "a C-GET response");
}

Status RespondFailure(ServiceContext& context, const T_DIMSE_C_GetRQ& request,
                      T_ASC_PresentationContextID context_id, std::uint16_t code,
                      std::string_view message) {
  spdlog::warn("dimse: C-GET from {} failed with 0x{:04X}: {}", context.Caller(), code, message);
  return Respond(context, request, context_id, code, nullptr, message);
}

bool CancelRequested(ServiceContext& context, T_ASC_PresentationContextID context_id,
                     const T_DIMSE_C_GetRQ& request) {
  return DIMSE_checkForCancelRQ(&context.association, context_id, request.MessageID).good();
}

}  // namespace

Status ServeGet(ServiceContext& context, const T_DIMSE_C_GetRQ& request,
                T_ASC_PresentationContextID context_id) {
  auto identifier = ReceiveDataSet(context.association, context.dimse_timeout());
  // Malformed bytes were received whole: the association can still answer.
  if (!identifier && identifier.error().code == ErrorCode::kInvalidArgument) {
    return RespondFailure(context, request, context_id,
                          ToDimseStatus(Service::kRetrieve, identifier.error().code),
                          PublicComment(identifier.error()));
  }
  if (!identifier) return std::move(identifier).error();
  ++context.stats.gets;
  const auto accepted = FindAcceptedContext(context.association, context_id);
  const auto model = accepted ? ModelOfSopClass(accepted->abstract_syntax) : std::nullopt;
  if (!context.Allows(Operation::kGet) || !model) {
    return RespondFailure(context, request, context_id, status::kNotAuthorized,
                          "C-GET is not allowed here");
  }
  auto query = RetrieveQueryFromIdentifier(**identifier, *model);
  if (!query) {
    return RespondFailure(context, request, context_id,
                          ToDimseStatus(Service::kRetrieve, query.error().code),
                          PublicComment(query.error()));
  }
  auto instances = FindInstances(context.archive, *query);
  if (!instances) {
    return RespondFailure(context, request, context_id,
                          ToDimseStatus(Service::kRetrieve, instances.error().code),
                          PublicComment(instances.error()));
  }
  SubOperationTally tally(instances->size());
  StoreScuOptions options;
  options.dimse_timeout = context.options.dimse_timeout;
  options.peer_is_requestor = true;
  options.cancel_message_id = request.MessageID;
  StoreScu scu(context.association, std::move(options));

  bool cancelled = false;
  for (std::size_t i = 0; i < instances->size(); ++i) {
    const archive::InstanceRef& instance = (*instances)[i];
    if (cancelled || CancelRequested(context, context_id, request)) {
      cancelled = true;
      break;
    }
    if (context.shutdown.Expired()) {
      tally.RecordFailures(std::span(*instances).subspan(i));
      break;
    }
    ++context.stats.sub_operations;
    auto sent = scu.Send(instance);
    if (!sent && sent.error().code == ErrorCode::kUnavailable) return std::move(sent).error();
    if (!sent) {
      ++context.stats.sub_operation_failures;
      tally.RecordFailure(instance.sop_instance_uid);
      spdlog::warn("dimse: C-GET from {}: sending {} failed: {}", context.Caller(),
                   instance.sop_instance_uid, sent.error().message);
    } else {
      tally.Record(instance.sop_instance_uid, sent->status);
      if (!IsSuccessOrWarning(sent->status)) ++context.stats.sub_operation_failures;
      cancelled = sent->cancel_requested;
    }
    if (tally.remaining() == 0) break;
    if (auto pending = Respond(context, request, context_id, status::kPending, &tally, "");
        !pending) {
      return pending;
    }
  }
  return Respond(context, request, context_id, tally.FinalStatus(cancelled), &tally, "");
}

}  // namespace tessera::dimse
