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
#include "dimse/access_policy.h"
#include "dimse/commitment_report.h"
#include "dimse/commitment_store.h"
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
// Requests are held within limits per peer and in all, and each is kept on disk
// (CommitmentStore) from before its N-ACTION is answered until it is reported
// or given up: Resume, at the next start, queues those a stop or a crash left.
// Thread-safe.
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
  // Requests are kept in options.commitment_folder.
  CommitmentReporter(const archive::Archive& archive, const DimseOptions& options,
                     DcmTLSTransportLayer* tls);
  // For tests: `sender` in place of the network, and the waits between tries.
  CommitmentReporter(const archive::Archive& archive, Sender sender,
                     std::chrono::milliseconds recheck_delay,
                     std::chrono::milliseconds first_resend_delay,
                     CommitmentStore store = CommitmentStore({}));
  ~CommitmentReporter();  // Stop()
  CommitmentReporter(const CommitmentReporter&) = delete;
  CommitmentReporter& operator=(const CommitmentReporter&) = delete;

  // Keeps a request to report to `peer` on disk and queues it; once this
  // returns Ok the request survives a restart. Errors: kUnavailable when a limit
  // above is reached or after Stop(), kIo or kStorageFull when it cannot be kept.
  Status Submit(KnownPeer peer, CommitmentRequest request);

  // Queues the requests an earlier run kept and did not report, each to the
  // peer `policy` knows by its AE title (the configuration now). One whose AE
  // title is not configured is logged and stays kept, for a start at which it
  // is again (a typo in the configuration loses nothing). Call once, before
  // Submit. Errors: kIo when the folder cannot be made or listed.
  Status Resume(const AccessPolicy& policy);

  // Ends the threads (a report being sent finishes first); requests not
  // reported yet stay kept for Resume (logged). Idempotent.
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
  // Requests queued, being sent or being kept by Submit. REQUIRES: mutex_ held
  std::size_t WaitingLocked() const;
  // True when a request of `items` instances from `ae_title` fits the limits.
  bool HasRoomLocked(const std::string& ae_title, std::size_t items) const;  // REQUIRES: mutex_

  const archive::Archive& archive_;
  Sender sender_;
  const CommitmentStore store_;
  std::chrono::milliseconds recheck_delay_;
  std::chrono::milliseconds first_resend_delay_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Job> jobs_;
  std::set<std::string> sending_;       // peers (AE titles) with a report on its way
  std::multiset<std::string> keeping_;  // peers of requests being written by Submit
  std::size_t items_ = 0;          // instances named by jobs_ and those on their way
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace tessera::dimse
