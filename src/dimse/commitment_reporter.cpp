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
      first_resend_delay_(first_resend_delay) {
  for (std::size_t i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { Work(); });
}

CommitmentReporter::~CommitmentReporter() { Stop(); }

bool CommitmentReporter::Submit(KnownPeer peer, CommitmentRequest request) {
  {
    std::lock_guard lock(mutex_);
    const auto from_peer = std::count_if(jobs_.begin(), jobs_.end(), [&](const Job& job) {
      return job.peer.ae_title == peer.ae_title;
    });
    const std::size_t peer_waiting =
        static_cast<std::size_t>(from_peer) + sending_.count(peer.ae_title);
    if (stopping_ || waiting_locked() >= kMaxWaiting || peer_waiting >= kMaxWaitingPerPeer ||
        items_ + request.items.size() > kMaxWaitingItems) {
      return false;
    }
    items_ += request.items.size();
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
  wake_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  if (!jobs_.empty()) {
    // The modalities ask again when their wait for the report ends.
    spdlog::warn(
        "dimse: {} storage commitment reports not sent: the server stopped (the first: "
        "{} for {})",
        jobs_.size(), jobs_.front().request.transaction_uid, jobs_.front().peer.ae_title);
  }
  jobs_.clear();
  items_ = 0;
}

std::size_t CommitmentReporter::waiting_locked() const { return jobs_.size() + sending_.size(); }

std::size_t CommitmentReporter::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_locked();
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
