#include "dimse/commitment_reporter.h"

#include <algorithm>
#include <array>

#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/ofstd/ofstd.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "dicom/codecs.h"
#include "dimse/dimse_status.h"
#include "dimse/message_io.h"
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
  std::filesystem::path file;  // where the request is kept (CommitmentStore)
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
          std::chrono::seconds(1), std::chrono::seconds(5),
          CommitmentStore(options.commitment_folder)) {}

CommitmentReporter::CommitmentReporter(const archive::Archive& archive, Sender sender,
                                       std::chrono::milliseconds recheck_delay,
                                       std::chrono::milliseconds first_resend_delay,
                                       CommitmentStore store)
    : archive_(archive),
      sender_(std::move(sender)),
      store_(std::move(store)),
      recheck_delay_(recheck_delay),
      first_resend_delay_(first_resend_delay) {
  for (std::size_t i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { Work(); });
}

CommitmentReporter::~CommitmentReporter() { Stop(); }

bool CommitmentReporter::HasRoomLocked(const std::string& ae_title, std::size_t items) const {
  const auto from_peer = std::count_if(
      jobs_.begin(), jobs_.end(), [&](const Job& job) { return job.peer.ae_title == ae_title; });
  const std::size_t peer_waiting =
      static_cast<std::size_t>(from_peer) + sending_.count(ae_title) + keeping_.count(ae_title);
  return !stopping_ && WaitingLocked() < kMaxWaiting && peer_waiting < kMaxWaitingPerPeer &&
         items_ + items <= kMaxWaitingItems;
}

Status CommitmentReporter::Submit(KnownPeer peer, CommitmentRequest request) {
  const std::size_t items = request.items.size();
  {
    std::lock_guard lock(mutex_);
    if (!HasRoomLocked(peer.ae_title, items)) {
      return Fail(ErrorCode::kUnavailable, "too many storage commitment reports waiting");
    }
    // Counted while written (outside the lock: an fsync), so that the limits hold.
    items_ += items;
    keeping_.insert(peer.ae_title);
  }
  auto file = store_.Keep(peer.ae_title, request);
  {
    std::lock_guard lock(mutex_);
    keeping_.erase(keeping_.find(peer.ae_title));
    // Kept while the server stops: the next start sends it (so still a success).
    if (file && !stopping_) {
      jobs_.push_back(Job{std::move(peer), std::move(request), std::move(*file), Clock::now()});
    } else {
      items_ -= items;
    }
  }
  if (!file) return std::move(file).error();
  wake_.notify_one();
  return Ok();
}

Status CommitmentReporter::Resume(const AccessPolicy& policy) {
  auto kept = store_.Load();
  if (!kept) return std::move(kept).error();
  std::size_t queued = 0;
  {
    std::lock_guard lock(mutex_);
    for (auto& request : *kept) {
      const KnownPeer* peer = policy.FindPeer(request.ae_title);
      if (peer == nullptr) {
        spdlog::warn(
            "dimse: storage commitment {} for {} not sent: that AE title is not in "
            "dicom.modalities (the request is kept in {}; delete the file to drop it)",
            request.request.transaction_uid, request.ae_title, request.file.string());
        continue;
      }
      // Accepted before: not refused for the limits now, whatever they are.
      items_ += request.request.items.size();
      jobs_.push_back(
          Job{*peer, std::move(request.request), std::move(request.file), Clock::now()});
      ++queued;
    }
  }
  if (queued > 0) {
    spdlog::info("dimse: {} storage commitment reports from the last run to send", queued);
    wake_.notify_all();
  }
  return Ok();
}

void CommitmentReporter::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  std::lock_guard lock(mutex_);  // a Submit may still be writing its file
  if (!jobs_.empty()) {
    const bool kept = !jobs_.front().file.empty();
    spdlog::warn(
        "dimse: {} storage commitment reports not sent: the server stopped; {} (the "
        "first: {} for {})",
        jobs_.size(), kept ? "they go after the next start" : "dropped",
        jobs_.front().request.transaction_uid, jobs_.front().peer.ae_title);
  }
  for (const Job& job : jobs_) items_ -= job.request.items.size();
  jobs_.clear();
}

std::size_t CommitmentReporter::WaitingLocked() const {
  return jobs_.size() + sending_.size() + keeping_.size();
}

std::size_t CommitmentReporter::waiting() const {
  std::lock_guard lock(mutex_);
  return WaitingLocked();
}

std::vector<CommitmentReporter::Job>::iterator CommitmentReporter::NextJob(
    Clock::time_point& next) {
  const auto now = Clock::now();
  auto chosen = jobs_.end();
  next = Clock::time_point::max();
  for (auto job = jobs_.begin(); job != jobs_.end(); ++job) {
    if (sending_.contains(job->peer.ae_title)) continue;
    if (job->due > now) {
      next = std::min(next, job->due);
    } else if (chosen == jobs_.end() || job->due < chosen->due) {
      chosen = job;
    }
  }
  return chosen;
}

void CommitmentReporter::Work() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    Clock::time_point next;
    const auto chosen = NextJob(next);
    if (chosen == jobs_.end()) {
      if (next == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, next);
      }
      continue;
    }
    Job job = std::move(*chosen);
    jobs_.erase(chosen);
    sending_.insert(job.peer.ae_title);
    lock.unlock();
    const bool done = Attempt(job);
    if (done) store_.Forget(job.file);
    lock.lock();
    sending_.erase(job.peer.ae_title);
    if (done) {
      items_ -= job.request.items.size();
    } else {
      jobs_.push_back(std::move(job));
    }
    // The peer is free again: another worker may take its next report.
    wake_.notify_all();
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

}  // namespace tessera::dimse
