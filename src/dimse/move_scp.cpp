#include "dimse/move_scp.h"

#include <span>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "dimse/dimse_status.h"
#include "dimse/message_io.h"
#include "dimse/outbound_association.h"
#include "dimse/query_from_identifier.h"
#include "dimse/retrieve.h"
#include "dimse/storage_batches.h"
#include "dimse/store_scu.h"

namespace tessera::dimse {
namespace {

Status Respond(ServiceContext& context, const T_DIMSE_C_MoveRQ& request,
               T_ASC_PresentationContextID context_id, std::uint16_t code,
               const SubOperationTally* tally, std::string_view comment) {
  T_DIMSE_C_MoveRSP response{};
  const auto identifier = FillRetrieveResponse(response, code, tally);
  const auto detail = comment.empty() ? nullptr : ErrorComment(comment);
  return SendStatus(DIMSE_sendMoveResponse(&context.association, context_id, &request, &response,
                                           identifier.get(), detail.get()),
                    "a C-MOVE response");
}

Status RespondFailure(ServiceContext& context, const T_DIMSE_C_MoveRQ& request,
                      T_ASC_PresentationContextID context_id, std::uint16_t code,
                      std::string_view message) {
  spdlog::warn("dimse: C-MOVE from {} to {} failed with 0x{:04X}: {}", context.Caller(),
               request.MoveDestination, code, message);
  return Respond(context, request, context_id, code, nullptr, message);
}

bool CancelRequested(ServiceContext& context, T_ASC_PresentationContextID context_id,
                     const T_DIMSE_C_MoveRQ& request) {
  return DIMSE_checkForCancelRQ(&context.association, context_id, request.MessageID).good();
}

enum class BatchEnd {
  kSent,         // every instance tried: go on with the next batch
  kRefused,      // the destination took none of the batch's SOP classes: go on too
  kCancelled,    // a C-CANCEL-RQ came: stop, leaving the rest remaining
  kUnreachable,  // no association to the destination: the rest fail
  kGaveUp,       // the destination association broke, or we are stopping: the rest fail
};

void RecordFailures(ServiceContext& context, SubOperationTally& tally,
                    std::span<const archive::InstanceRef> instances) {
  tally.RecordFailures(instances);
  context.stats.sub_operation_failures += instances.size();
}

// Sends `batch` on a new association to `destination`, answering a pending
// response after each sub-operation but the last of all; records the batch's
// instances that are not sent as failed unless cancelled.
// Errors: kUnavailable when the requesting association failed.
Result<BatchEnd> SendBatch(ServiceContext& context, const T_DIMSE_C_MoveRQ& request,
                           T_ASC_PresentationContextID context_id, const KnownPeer& destination,
                           const StorageBatch& batch, SubOperationTally& tally) {
  const std::vector<archive::InstanceRef>& instances = batch.instances;
  auto outbound = OutboundAssociation::Open(destination, context.options, context.requestor_tls,
                                            batch.proposals);
  if (!outbound) {
    spdlog::warn("dimse: C-MOVE from {} to destination {}", context.Caller(),
                 outbound.error().message);
    RecordFailures(context, tally, instances);
    return outbound.error().code == ErrorCode::kUnsupported ? BatchEnd::kRefused
                                                            : BatchEnd::kUnreachable;
  }
  StoreScuOptions options;
  options.dimse_timeout = context.options.dimse_timeout;
  options.move_originator_ae_title = context.peer.calling_ae;
  options.move_originator_message_id = request.MessageID;
  StoreScu scu((*outbound)->association(), std::move(options));

  for (std::size_t i = 0; i < instances.size(); ++i) {
    const archive::InstanceRef& instance = instances[i];
    if (CancelRequested(context, context_id, request)) return BatchEnd::kCancelled;
    if (context.shutdown.Expired()) {
      RecordFailures(context, tally, std::span(instances).subspan(i));
      return BatchEnd::kGaveUp;
    }
    ++context.stats.sub_operations;
    auto sent = scu.Send(instance);
    if (sent) tally.Record(instance.sop_instance_uid, sent->status);
    if (!sent) {
      ++context.stats.sub_operation_failures;
      tally.RecordFailure(instance.sop_instance_uid);
      spdlog::warn("dimse: C-MOVE to {}: sending {} failed: {}", destination.ae_title,
                   instance.sop_instance_uid, sent.error().message);
    }
    if (!sent && sent.error().code == ErrorCode::kUnavailable) {
      (*outbound)->MarkBroken();
      RecordFailures(context, tally, std::span(instances).subspan(i + 1));
      return BatchEnd::kGaveUp;
    }
    if (sent && !IsSuccessOrWarning(sent->status)) ++context.stats.sub_operation_failures;
    if (tally.remaining() == 0) break;
    if (auto pending = Respond(context, request, context_id, status::kPending, &tally, "");
        !pending) {
      return std::move(pending).error();
    }
  }
  return BatchEnd::kSent;  // the destination association is released on return
}

}  // namespace

Status ServeMove(ServiceContext& context, const T_DIMSE_C_MoveRQ& request,
                 T_ASC_PresentationContextID context_id) {
  auto identifier = ReceiveDataSet(context.association, context.dimse_timeout());
  // Malformed bytes were received whole: the association can still answer.
  if (!identifier && identifier.error().code == ErrorCode::kInvalidArgument) {
    return RespondFailure(context, request, context_id,
                          ToDimseStatus(Service::kRetrieve, identifier.error().code),
                          PublicComment(identifier.error()));
  }
  if (!identifier) return std::move(identifier).error();
  ++context.stats.moves;
  const auto accepted = FindAcceptedContext(context.association, context_id);
  const auto model = accepted ? ModelOfSopClass(accepted->abstract_syntax) : std::nullopt;
  if (!context.Allows(Operation::kMove) || !model) {
    return RespondFailure(context, request, context_id, status::kNotAuthorized,
                          "C-MOVE is not allowed here");
  }
  const KnownPeer* destination = context.policy.FindPeer(request.MoveDestination);
  if (destination == nullptr) {
    return RespondFailure(context, request, context_id, status::kMoveDestinationUnknown,
                          "unknown move destination");
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
  if (instances->empty())
    return Respond(context, request, context_id, status::kSuccess, &tally, "");

  // Each batch of SOP classes goes on an association of its own, one after the other.
  const std::vector<StorageBatch> batches = StorageBatches(std::move(*instances));
  BatchEnd end = BatchEnd::kSent;
  bool refused = false;  // the destination took none of some batch's SOP classes
  std::size_t next = 0;
  while (next < batches.size() && (end == BatchEnd::kSent || end == BatchEnd::kRefused)) {
    // Checked before a new association is opened, which may take a while.
    if (CancelRequested(context, context_id, request)) {
      end = BatchEnd::kCancelled;
    } else if (context.shutdown.Expired()) {
      end = BatchEnd::kGaveUp;
    } else {
      auto ended = SendBatch(context, request, context_id, *destination, batches[next++], tally);
      if (!ended) return std::move(ended).error();
      end = *ended;
      refused = refused || end == BatchEnd::kRefused;
    }
  }
  const bool cancelled = end == BatchEnd::kCancelled;
  if (!cancelled) {
    for (; next < batches.size(); ++next) RecordFailures(context, tally, batches[next].instances);
  }
  const std::string comment =
      end == BatchEnd::kUnreachable ? "cannot reach the move destination"
      : refused ? "the move destination accepts none of some instances' SOP classes"
                : "";
  return Respond(context, request, context_id, tally.FinalStatus(cancelled), &tally, comment);
}

}  // namespace tessera::dimse
