#include "dimse/commitment_reporter.h"

#include <algorithm>
#include <array>

#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/ofstd/ofstd.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "dicom/codecs.h"
#include "dimse/outbound_association.h"

namespace tessera::dimse {
namespace {

using Clock = std::chrono::steady_clock;

// A result with missing instances while the index lags is checked this often.
constexpr int kMaxRechecks = 60;
// Resend delays, as multiples of the first (5 s, 30 s, 2 min).
constexpr std::array<int, 3> kResendFactors = {1, 6, 24};

std::string Counts(const CommitmentResult& result) {
  return std::to_string(result.committed.size()) + " committed, " +
         std::to_string(result.failed.size()) + " failed";
}

}  // namespace

struct CommitmentReporter::Job {
  KnownPeer peer;
  CommitmentRequest request;
  Clock::time_point due;
  int rechecks = 0;
  std::size_t resends = 0;
};

CommitmentReporter::CommitmentReporter(const archive::Archive& archive, const DimseOptions& options,
                                       DcmTLSTransportLayer* tls)
    : CommitmentReporter(
          archive,
          [&options, tls](const KnownPeer& peer, const CommitmentRequest& request,
                          const CommitmentResult& result) {
            return SendCommitmentReport(peer, options, tls, request, result);
          },
          std::chrono::seconds(1), std::chrono::seconds(5)) {}

CommitmentReporter::CommitmentReporter(const archive::Archive& archive, Sender sender,
                                       std::chrono::milliseconds recheck_delay,
                                       std::chrono::milliseconds first_resend_delay)
    : archive_(archive),
      sender_(std::move(sender)),
      recheck_delay_(recheck_delay),
      first_resend_delay_(first_resend_delay),
      thread_([this] { Run(); }) {}

CommitmentReporter::~CommitmentReporter() { Stop(); }

bool CommitmentReporter::Submit(KnownPeer peer, CommitmentRequest request) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() + (attempting_ ? 1 : 0) >= kMaxWaiting) return false;
    jobs_.push_back(Job{std::move(peer), std::move(request), Clock::now()});
  }
  wake_.notify_one();
  return true;
}

void CommitmentReporter::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (!jobs_.empty()) {
    // The modalities ask again when their wait for the report ends.
    spdlog::warn(
        "dimse: {} storage commitment reports not sent: the server stopped (the first: "
        "{} for {})",
        jobs_.size(), jobs_.front().request.transaction_uid, jobs_.front().peer.ae_title);
  }
  jobs_.clear();
}

std::size_t CommitmentReporter::waiting() const {
  std::lock_guard lock(mutex_);
  return jobs_.size() + (attempting_ ? 1 : 0);
}

void CommitmentReporter::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    const auto earliest = std::min_element(
        jobs_.begin(), jobs_.end(), [](const Job& a, const Job& b) { return a.due < b.due; });
    if (stopping_) return;
    if (earliest == jobs_.end()) {
      wake_.wait(lock);
      continue;
    }
    if (earliest->due > Clock::now()) {
      wake_.wait_until(lock, earliest->due);
      continue;
    }
    Job job = std::move(*earliest);
    jobs_.erase(earliest);
    attempting_ = true;
    lock.unlock();
    const bool done = Attempt(job);
    lock.lock();
    attempting_ = false;
    if (!done) jobs_.push_back(std::move(job));
  }
}

bool CommitmentReporter::Attempt(Job& job) {
  const std::string& transaction = job.request.transaction_uid;
  auto result = CheckCommitment(archive_, job.request);
  if (result && !result->settled && job.rechecks < kMaxRechecks) {
    ++job.rechecks;
    job.due = Clock::now() + recheck_delay_;
    return false;
  }
  Status sent = result ? sender_(job.peer, job.request, *result) : Status(result.error());
  if (sent) {
    spdlog::info("dimse: storage commitment {} reported to {}: {}", transaction, job.peer.ae_title,
                 Counts(*result));
    return true;
  }
  if (job.resends == kResendFactors.size()) {
    spdlog::error("dimse: storage commitment {} for {} given up: {}", transaction,
                  job.peer.ae_title, sent.error().message);
    return true;
  }
  const auto delay = first_resend_delay_ * kResendFactors[job.resends++];
  spdlog::warn("dimse: storage commitment {} for {} not reported yet ({}), next try in {} s",
               transaction, job.peer.ae_title, sent.error().message,
               std::chrono::duration_cast<std::chrono::seconds>(delay).count());
  job.due = Clock::now() + delay;
  return false;
}

Status SendCommitmentReport(const KnownPeer& peer, const DimseOptions& options,
                            DcmTLSTransportLayer* tls, const CommitmentRequest& request,
                            const CommitmentResult& result) {
  const Proposal proposal{UID_StorageCommitmentPushModelSOPClass,
                          {std::string(dicom::transfer_syntax::kExplicitVrLittleEndian),
                           std::string(dicom::transfer_syntax::kImplicitVrLittleEndian)},
                          ASC_SC_ROLE_SCP};
  auto outbound = OutboundAssociation::Open(peer, options, tls, {&proposal, 1});
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
  const int timeout = static_cast<int>(options.dimse_timeout.count());
  OFCondition done = DIMSE_sendMessageUsingMemoryData(&association, id, &message, nullptr,
                                                      information.get(), nullptr, nullptr);
  if (done.bad()) {
    (*outbound)->MarkBroken();
    return Fail(ErrorCode::kUnavailable, std::string("sending the N-EVENT-REPORT: ") + done.text());
  }

  T_DIMSE_Message response{};
  T_ASC_PresentationContextID response_id = 0;
  DcmDataset* detail = nullptr;
  done =
      DIMSE_receiveCommand(&association, DIMSE_BLOCKING, timeout, &response_id, &response, &detail);
  delete detail;
  if (done.bad() || response.CommandField != DIMSE_N_EVENT_REPORT_RSP) {
    (*outbound)->MarkBroken();
    return Fail(ErrorCode::kUnavailable, std::string("no N-EVENT-REPORT response: ") +
                                             (done.bad() ? done.text() : "another message came"));
  }
  const T_DIMSE_N_EventReportRSP& answer = response.msg.NEventReportRSP;
  if (answer.DataSetType != DIMSE_DATASET_NULL) {
    DcmDataset* reply = nullptr;
    DIMSE_receiveDataSetInMemory(&association, DIMSE_BLOCKING, timeout, &response_id, &reply,
                                 nullptr, nullptr);
    delete reply;
  }
  if (answer.DimseStatus != 0x0000) {
    return Fail(
        ErrorCode::kUnavailable,
        fmt::format("it answered the N-EVENT-REPORT with status {:#06x}", answer.DimseStatus));
  }
  return Ok();
}

}  // namespace tessera::dimse
