#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "archive/archive.h"
#include "base/result.h"
#include "dimse/commitment_report.h"
#include "dimse/dimse_options.h"
#include "dimse/storage_commitment.h"

namespace tessera::dimse {

// Reports storage commitment results (PS3.4 J.3.3) to the modalities that asked:
// for each accepted request it checks the instances against the archive and
// sends the N-EVENT-REPORT on a new association to the requesting peer (as its
// configured host and port), proposing the Storage Commitment Push Model with
// role selection, our role SCP. Like Orthanc, it never reports on the
// requesting association: the modality may release it right after the N-ACTION
// response.
//
// kWorkers threads send, one report per peer at a time, so that a peer that is
// down or slow to answer delays only its own reports. A result whose missing
// instances may still be on their way to the index (it lags behind
// acknowledged stores) is checked again each second, for up to a minute. A
// report the peer cannot take (unreachable, refused, a failure status) is sent
// again after 5 s, 30 s and 2 min, then given up with an error in the log.
// Requests are held in memory, within limits per peer and in all: a stop drops
// those not reported yet (logged), and the modality asks again when its wait
// for the report ends. Thread-safe.
class CommitmentReporter {
 public:
  // Sends one report; the default opens an association (SendCommitmentReport).
  using Sender = std::function<Status(const KnownPeer& peer, const CommitmentRequest& request,
                                      const CommitmentResult& result)>;

  static constexpr std::size_t kWorkers = 4;
  // Requests waiting at most, from one peer and in all, and the instances they name.
  static constexpr std::size_t kMaxWaitingPerPeer = 50;
  static constexpr std::size_t kMaxWaiting = 1000;
  static constexpr std::size_t kMaxWaitingItems = 1'000'000;

  // `archive` and `tls` (null unless DICOM TLS is configured) must outlive it.
  CommitmentReporter(const archive::Archive& archive, const DimseOptions& options,
                     DcmTLSTransportLayer* tls);
  // For tests: `sender` in place of the network, and the waits between tries.
  CommitmentReporter(const archive::Archive& archive, Sender sender,
                     std::chrono::milliseconds recheck_delay,
                     std::chrono::milliseconds first_resend_delay);
  ~CommitmentReporter();  // Stop()
  CommitmentReporter(const CommitmentReporter&) = delete;
  CommitmentReporter& operator=(const CommitmentReporter&) = delete;

  // Queues a request to report to `peer`. False when a limit above is reached,
  // or after Stop().
  bool Submit(KnownPeer peer, CommitmentRequest request);

  // Ends the threads (a report being sent finishes first); requests not
  // reported yet are dropped (logged). Idempotent.
  void Stop();

  // Requests accepted and not yet reported or given up (for tests).
  std::size_t waiting() const;

 private:
  struct Job;
  void Work();
  // Works on `job` once; true when it is done with (reported or given up).
  bool Attempt(Job& job);
  // The due job whose peer has no report on its way, or jobs_.end(); sets `next`
  // to the earliest due time of those not due yet.
  std::vector<Job>::iterator NextJob(std::chrono::steady_clock::time_point& next);
  std::size_t waiting_locked() const;  // REQUIRES: mutex_ held

  const archive::Archive& archive_;
  Sender sender_;
  std::chrono::milliseconds recheck_delay_;
  std::chrono::milliseconds first_resend_delay_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Job> jobs_;
  std::set<std::string> sending_;  // peers (AE titles) with a report on its way
  std::size_t items_ = 0;          // instances named by jobs_ and those on their way
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace tessera::dimse
