#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "archive/archive.h"
#include "base/result.h"
#include "dimse/dimse_options.h"
#include "dimse/storage_commitment.h"

namespace tessera::dimse {

// Reports storage commitment results (PS3.4 J.3.3) to the modalities that asked:
// for each accepted request, on its own thread, it checks the instances against
// the archive and sends the N-EVENT-REPORT on a new association to the
// requesting peer (as its configured host and port), proposing the Storage
// Commitment Push Model with role selection, our role SCP. Like Orthanc, it
// never reports on the requesting association: the modality may release it
// right after the N-ACTION response.
//
// A result whose missing instances may still be on their way to the index (it
// lags behind acknowledged stores) is checked again each second, for up to a
// minute. A report the peer cannot take (unreachable, refused, a failure
// status) is sent again after 5 s, 30 s and 2 min, then given up with an error
// in the log. Requests are held in memory: a stop drops those not reported yet
// (logged), and the modality asks again when its wait for the report ends.
// Thread-safe.
class CommitmentReporter {
 public:
  // Sends one report; the default opens an association (SendCommitmentReport).
  using Sender = std::function<Status(const KnownPeer& peer, const CommitmentRequest& request,
                                      const CommitmentResult& result)>;

  // At most this many requests wait at once.
  static constexpr std::size_t kMaxWaiting = 1000;

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

  // Queues a request to report to `peer`. False when kMaxWaiting requests wait
  // already, or after Stop().
  bool Submit(KnownPeer peer, CommitmentRequest request);

  // Ends the thread; requests not reported yet are dropped (logged). Idempotent.
  void Stop();

  // Requests accepted and not yet reported or given up (for tests).
  std::size_t waiting() const;

 private:
  struct Job;
  void Run();
  // Works on `job` once; true when it is done with (reported or given up).
  bool Attempt(Job& job);

  const archive::Archive& archive_;
  Sender sender_;
  std::chrono::milliseconds recheck_delay_;
  std::chrono::milliseconds first_resend_delay_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Job> jobs_;
  bool attempting_ = false;  // one job is out of jobs_, being worked on
  bool stopping_ = false;
  std::thread thread_;
};

// Opens an association to `peer` and sends it the N-EVENT-REPORT of `result`.
// Errors: kUnavailable when the peer cannot be reached, accepts no storage
// commitment context, or answers with a failure status.
Status SendCommitmentReport(const KnownPeer& peer, const DimseOptions& options,
                            DcmTLSTransportLayer* tls, const CommitmentRequest& request,
                            const CommitmentResult& result);

}  // namespace tessera::dimse
