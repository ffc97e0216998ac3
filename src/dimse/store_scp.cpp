#include "dimse/store_scp.h"

#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "dimse/dimse_status.h"
#include "dimse/incoming_stream.h"
#include "dimse/message_io.h"

namespace tessera::dimse {
namespace {

Status Respond(ServiceContext& context, const T_DIMSE_C_StoreRQ& request,
               T_ASC_PresentationContextID context_id, std::uint16_t code,
               std::string_view comment) {
  T_DIMSE_C_StoreRSP response{};
  response.DimseStatus = code;
  response.DataSetType = DIMSE_DATASET_NULL;
  const auto detail = comment.empty() ? nullptr : ErrorComment(comment);
  return SendStatus(
      DIMSE_sendStoreResponse(&context.association, context_id, &request, &response, detail.get()),
      "a C-STORE response");
}

// Answers a failure after the data set was consumed, and logs it.
Status RespondFailure(ServiceContext& context, const T_DIMSE_C_StoreRQ& request,
                      T_ASC_PresentationContextID context_id, std::uint16_t code,
                      std::string_view message) {
  ++context.stats.store_failures;
  spdlog::warn("dimse: C-STORE of {} from {} failed with 0x{:04X}: {}",
               request.AffectedSOPInstanceUID, context.Caller(), code, message);
  return Respond(context, request, context_id, code, message);
}

Status SkipAndRefuse(ServiceContext& context, const T_DIMSE_C_StoreRQ& request,
                     T_ASC_PresentationContextID context_id, std::uint16_t code,
                     std::string_view message) {
  if (auto skipped = SkipDataSet(context.association, context.dimse_timeout()); !skipped) {
    return skipped;
  }
  return RespondFailure(context, request, context_id, code, message);
}

// A failure to answer once the data set has been consumed.
struct Failure {
  std::uint16_t code = status::kProcessingFailure;
  std::string message;
};

Failure FailureOf(const Error& error) {
  return Failure{ToDimseStatus(Service::kStore, error.code), PublicComment(error)};
}

bool IsOutOfResources(const OFCondition& condition) {
  return condition.module() == OFM_dcmnet && condition.code() == DIMSEC_OUTOFRESOURCES;
}

// Writes the File Meta and then the data set as it arrives into `file`.
// Errors: kUnavailable when the association failed.
Result<std::optional<Failure>> ReceiveInto(ServiceContext& context, archive::IncomingFile& file,
                                           const T_DIMSE_C_StoreRQ& request,
                                           T_ASC_PresentationContextID context_id,
                                           const std::string& transfer_syntax) {
  IncomingFileStream stream(file);
  auto meta = WriteFileMeta(stream, request.AffectedSOPClassUID, request.AffectedSOPInstanceUID,
                            transfer_syntax, context.peer.calling_ae);
  if (!meta) {
    if (auto skipped = SkipDataSet(context.association, context.dimse_timeout()); !skipped) {
      return std::move(skipped).error();
    }
    return std::optional<Failure>(FailureOf(meta.error()));
  }
  T_ASC_PresentationContextID data_id = 0;
  const OFCondition received =
      DIMSE_receiveDataSetInFile(&context.association, DIMSE_NONBLOCKING, context.dimse_timeout(),
                                 &data_id, &stream, nullptr, nullptr);
  // After a failed write DCMTK drains the data set and reports "out of resources".
  if (received.bad() && !IsOutOfResources(received)) {
    return Fail(ErrorCode::kUnavailable,
                std::string("receiving a C-STORE data set: ") + received.text());
  }
  auto written = stream.Finish();
  if (!written) return std::optional<Failure>(FailureOf(written.error()));
  if (received.bad())
    return std::optional<Failure>(Failure{status::kOutOfResources, received.text()});
  if (data_id != context_id) {
    return std::optional<Failure>(
        Failure{status::kCannotUnderstand, "data set sent on another presentation context"});
  }
  return std::optional<Failure>();
}

}  // namespace

Status ServeStore(ServiceContext& context, const T_DIMSE_C_StoreRQ& request,
                  T_ASC_PresentationContextID context_id) {
  const auto accepted = FindAcceptedContext(context.association, context_id);
  if (!context.Allows(Operation::kStore) || !accepted) {
    return SkipAndRefuse(context, request, context_id, status::kNotAuthorized,
                         "C-STORE is not allowed for this caller");
  }
  // A context is negotiated for one SOP class (PS3.7 7.1.1.13); storing another
  // on it (even on Verification's) would bypass what the negotiation refused.
  if (accepted->abstract_syntax != request.AffectedSOPClassUID) {
    return SkipAndRefuse(
        context, request, context_id, status::kSopClassNotSupported,
        std::string("SOP class not negotiated on this context: ") + request.AffectedSOPClassUID);
  }
  auto file = context.archive.NewIncomingFile();
  if (!file) {
    return SkipAndRefuse(context, request, context_id,
                         ToDimseStatus(Service::kStore, file.error().code),
                         PublicComment(file.error()));
  }
  auto failure = ReceiveInto(context, *file, request, context_id, accepted->transfer_syntax);
  if (!failure) return std::move(failure).error();
  if (*failure) {
    return RespondFailure(context, request, context_id, (*failure)->code, (*failure)->message);
  }

  // The File Meta written above says what the request said; the archive
  // refuses a data set that says otherwise.
  file->Declare(request.AffectedSOPClassUID, request.AffectedSOPInstanceUID);
  // Anyone on the network may call as an unknown AE title: it may add instances
  // (to take images from any modality), never overwrite what is stored.
  if (!context.peer.access.known) file->KeepExisting();
  auto attempt = context.archive.TryStore(std::move(*file), "");
  if (!attempt.result) {
    const bool mismatch = !attempt.sop_instance_uid.empty() &&
                          (attempt.sop_instance_uid != request.AffectedSOPInstanceUID ||
                           attempt.sop_class_uid != request.AffectedSOPClassUID);
    const Error& error = attempt.result.error();
    return RespondFailure(context, request, context_id,
                          mismatch ? status::kDataSetDoesNotMatchSopClass
                                   : ToDimseStatus(Service::kStore, error.code),
                          PublicComment(error));
  }
  ++context.stats.stored;
  return Respond(context, request, context_id, status::kSuccess, "");
}

}  // namespace tessera::dimse
