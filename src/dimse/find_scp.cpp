#include "dimse/find_scp.h"

#include <spdlog/spdlog.h>

#include "dimse/dimse_status.h"
#include "dimse/find_response.h"
#include "dimse/message_io.h"
#include "dimse/query_from_identifier.h"

namespace tessera::dimse {
namespace {

Status Respond(ServiceContext& context, const T_DIMSE_C_FindRQ& request,
               T_ASC_PresentationContextID context_id, std::uint16_t code, DcmDataset* identifier,
               std::string_view comment) {
  T_DIMSE_C_FindRSP response{};
  response.DimseStatus = code;
  const auto detail = comment.empty() ? nullptr : ErrorComment(comment);
  return SendStatus(DIMSE_sendFindResponse(&context.association, context_id, &request, &response,
                                           identifier, detail.get()),
                    "a C-FIND response");
}

Status RespondFailure(ServiceContext& context, const T_DIMSE_C_FindRQ& request,
                      T_ASC_PresentationContextID context_id, const Error& error) {
  const std::uint16_t code = ToDimseStatus(Service::kFind, error.code);
  spdlog::warn("dimse: C-FIND from {} failed with 0x{:04X}: {}", context.Caller(), code,
               error.message);
  return Respond(context, request, context_id, code, nullptr, PublicComment(error));
}

bool CancelRequested(ServiceContext& context, T_ASC_PresentationContextID context_id,
                     const T_DIMSE_C_FindRQ& request) {
  return DIMSE_checkForCancelRQ(&context.association, context_id, request.MessageID).good();
}

}  // namespace

Status ServeFind(ServiceContext& context, const T_DIMSE_C_FindRQ& request,
                 T_ASC_PresentationContextID context_id) {
  auto identifier = ReceiveDataSet(context.association, context.dimse_timeout());
  // Malformed bytes were received whole: the association can still answer.
  if (!identifier && identifier.error().code == ErrorCode::kInvalidArgument) {
    return RespondFailure(context, request, context_id, identifier.error());
  }
  if (!identifier) return std::move(identifier).error();
  ++context.stats.finds;
  const auto accepted = FindAcceptedContext(context.association, context_id);
  const auto model = accepted ? ModelOfSopClass(accepted->abstract_syntax) : std::nullopt;
  if (!context.Allows(Operation::kFind) || !model) {
    return RespondFailure(context, request, context_id,
                          Fail(ErrorCode::kPermissionDenied, "C-FIND is not allowed here"));
  }
  auto find = QueryFromIdentifier(**identifier, *model);
  if (!find) return RespondFailure(context, request, context_id, find.error());
  auto result = context.archive.Find(find->query);
  if (!result) return RespondFailure(context, request, context_id, result.error());
  if (result->truncated) return RespondFailure(context, request, context_id, TooManyMatches());

  for (const nlohmann::json& match : result->matches) {
    if (CancelRequested(context, context_id, request)) {
      return Respond(context, request, context_id, status::kCancel, nullptr, "");
    }
    if (context.shutdown.Expired()) {
      return RespondFailure(context, request, context_id,
                            Fail(ErrorCode::kUnavailable, "the service is shutting down"));
    }
    auto response = BuildFindResponse(match, *find, context.options.ae_title);
    if (!response) {
      spdlog::warn("dimse: C-FIND: skipped a match that cannot be encoded: {}",
                   response.error().message);
      continue;
    }
    if (auto sent = Respond(context, request, context_id, status::kPending, response->get(), "");
        !sent) {
      return sent;
    }
  }
  return Respond(context, request, context_id, status::kSuccess, nullptr, "");
}

}  // namespace tessera::dimse
