#include "dimse/association_session.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include <dcmtk/dcmnet/dimse.h>
#include <spdlog/spdlog.h>

#include "dimse/association_acceptor.h"
#include "dimse/commit_scp.h"
#include "dimse/dimse_status.h"
#include "dimse/find_scp.h"
#include "dimse/get_scp.h"
#include "dimse/message_io.h"
#include "dimse/move_scp.h"
#include "dimse/store_scp.h"
#include "dimse/unrecognized_operation.h"

namespace tessera::dimse {
namespace {

enum class Wait { kCommand, kIdle, kStopping };

// Waits for the next command, in one-second steps so that the end of the
// shutdown grace period is noticed.
Wait WaitForCommand(T_ASC_Association& association, const ServiceEnvironment& environment) {
  const auto idle_limit = environment.options.dimse_timeout;
  auto idle = std::chrono::seconds(0);
  while (idle < idle_limit) {
    if (environment.shutdown.Expired()) return Wait::kStopping;
    if (ASC_dataWaiting(&association, 1)) return Wait::kCommand;
    idle += std::chrono::seconds(1);
  }
  return Wait::kIdle;
}

Status ServeEcho(ServiceContext& context, const T_DIMSE_C_EchoRQ& request,
                 T_ASC_PresentationContextID id) {
  ++context.stats.echoes;
  const std::uint16_t code =
      context.Allows(Operation::kEcho) ? status::kSuccess : status::kNotAuthorized;
  return SendStatus(DIMSE_sendEchoResponse(&context.association, id, &request, code, nullptr),
                    "a C-ECHO response");
}

// Runs one received command. Errors end the association.
Status Dispatch(ServiceContext& context, T_DIMSE_Message& message, T_ASC_PresentationContextID id) {
  switch (message.CommandField) {
    case DIMSE_C_ECHO_RQ:
      return ServeEcho(context, message.msg.CEchoRQ, id);
    case DIMSE_C_STORE_RQ:
      return ServeStore(context, message.msg.CStoreRQ, id);
    case DIMSE_C_FIND_RQ:
      return ServeFind(context, message.msg.CFindRQ, id);
    case DIMSE_C_MOVE_RQ:
      return ServeMove(context, message.msg.CMoveRQ, id);
    case DIMSE_C_GET_RQ:
      return ServeGet(context, message.msg.CGetRQ, id);
    case DIMSE_N_ACTION_RQ:
      return ServeCommit(context, message.msg.NActionRQ, id);
    case DIMSE_C_CANCEL_RQ:
      return Ok();  // for an operation that has already ended
    default:
      return RefuseUnrecognizedOperation(context, message, id);
  }
}

// DCMTK mallocs the Attribute Identifier List of an N-GET-RQ it parses and
// leaves freeing it to the caller.
void FreeAttributeList(T_DIMSE_Message& message) {
  if (message.CommandField != DIMSE_N_GET_RQ) return;
  std::free(message.msg.NGetRQ.AttributeIdentifierList);
  message.msg.NGetRQ.AttributeIdentifierList = nullptr;
}

std::string Summary(const AssociationStats& stats) {
  std::string text;
  const auto add = [&text](std::string_view name, std::size_t count) {
    if (count == 0) return;
    text += text.empty() ? "; " : ", ";
    text += std::to_string(count) + " " + std::string(name);
  };
  add("echo", stats.echoes);
  add("stored", stats.stored);
  add("store failures", stats.store_failures);
  add("find", stats.finds);
  add("move", stats.moves);
  add("get", stats.gets);
  add("storage commitment", stats.commitments);
  add("sub-operations", stats.sub_operations);
  add("failed sub-operations", stats.sub_operation_failures);
  add("unrecognized operations", stats.unrecognized);
  return text;
}

// Serves commands until the association ends; returns how it ended.
std::string ServeCommands(ServiceContext& context, const ServiceEnvironment& environment) {
  T_ASC_Association& association = context.association;
  while (true) {
    const Wait wait = WaitForCommand(association, environment);
    if (wait != Wait::kCommand) {
      ASC_abortAssociation(&association);
      return wait == Wait::kIdle ? "aborted after the idle timeout" : "aborted at shutdown";
    }
    T_DIMSE_Message message{};
    T_ASC_PresentationContextID id = 0;
    const OFCondition received = DIMSE_receiveCommand(
        &association, DIMSE_NONBLOCKING, context.dimse_timeout(), &id, &message, nullptr);
    if (received == DUL_PEERREQUESTEDRELEASE) {
      ASC_acknowledgeRelease(&association);
      return "released";
    }
    if (received == DUL_PEERABORTEDASSOCIATION) return "aborted by the peer";
    if (received.bad()) {
      ASC_abortAssociation(&association);
      return std::string("aborted: ") + received.text();
    }
    const Status served = Dispatch(context, message, id);
    FreeAttributeList(message);
    if (!served) {
      ASC_abortAssociation(&association);
      return "aborted: " + served.error().message;
    }
  }
}

}  // namespace

void ServeConnection(const ServiceEnvironment& environment, AcceptedSocket socket) {
  const std::string peer_address = socket.peer_address;
  auto association = environment.network.Receive(
      std::move(socket.fd), std::min(environment.options.association_timeout, kFirstPduTimeout));
  if (!association) {
    spdlog::info("dimse: connection from {} closed: {}", peer_address, association.error().message);
    return;
  }
  auto accepted = AcceptAssociation(**association, environment.policy, peer_address);
  if (!accepted) {
    spdlog::info("dimse: association from {} rejected: {}", peer_address, accepted.error().message);
    return;
  }
  AssociationStats stats;
  ServiceContext context{**association,
                         environment.archive,
                         environment.options,
                         environment.policy,
                         *accepted,
                         peer_address,
                         environment.requestor_tls,
                         environment.shutdown,
                         environment.commitments,
                         stats};
  const auto started = std::chrono::steady_clock::now();
  const std::string outcome = ServeCommands(context, environment);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  spdlog::info("dimse: association {} -> {} from {}: {} after {} ms{}", accepted->calling_ae,
               accepted->called_ae, peer_address, outcome, elapsed.count(), Summary(stats));
}

}  // namespace tessera::dimse
