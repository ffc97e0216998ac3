#include "dimse/message_io.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmnet/dimse.h>

namespace tessera::dimse {

std::optional<AcceptedContext> FindAcceptedContext(T_ASC_Association& association,
                                                   T_ASC_PresentationContextID id) {
  T_ASC_PresentationContext pc;
  if (ASC_findAcceptedPresentationContext(association.params, id, &pc).bad()) return std::nullopt;
  return AcceptedContext{pc.abstractSyntax, pc.acceptedTransferSyntax};
}

Result<std::unique_ptr<DcmDataset>> ReceiveDataSet(T_ASC_Association& association,
                                                   int timeout_seconds) {
  DcmDataset* raw = nullptr;
  T_ASC_PresentationContextID id = 0;
  const OFCondition received = DIMSE_receiveDataSetInMemory(
      &association, DIMSE_NONBLOCKING, timeout_seconds, &id, &raw, nullptr, nullptr);
  std::unique_ptr<DcmDataset> dataset(raw);
  if (received.bad()) {
    return Fail(ErrorCode::kUnavailable, std::string("receiving a data set: ") + received.text());
  }
  return dataset;
}

Status SkipDataSet(T_ASC_Association& association, int timeout_seconds) {
  DIC_UL bytes = 0;
  DIC_UL pdvs = 0;
  const OFCondition skipped =
      DIMSE_ignoreDataSet(&association, DIMSE_NONBLOCKING, timeout_seconds, &bytes, &pdvs);
  if (skipped.bad()) {
    return Fail(ErrorCode::kUnavailable, std::string("skipping a data set: ") + skipped.text());
  }
  return Ok();
}

std::unique_ptr<DcmDataset> ErrorComment(std::string_view message) {
  auto detail = std::make_unique<DcmDataset>();
  // LO: printable ASCII without backslashes, at most 64 characters.
  std::string comment;
  for (const char c : message.substr(0, 64)) {
    comment.push_back(c >= 0x20 && c < 0x7F && c != '\\' ? c : '?');
  }
  detail->putAndInsertString(DCM_ErrorComment, comment.c_str());
  return detail;
}

Status SendStatus(const OFCondition& condition, std::string_view what) {
  if (condition.good()) return Ok();
  return Fail(ErrorCode::kUnavailable, "sending " + std::string(what) + ": " + condition.text());
}

}  // namespace tessera::dimse
