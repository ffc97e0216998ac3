#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "archive/archive.h"
#include "base/log_throttle.h"
#include "base/result.h"
#include "dimse/acceptor_network.h"
#include "dimse/access_policy.h"
#include "dimse/address_slots.h"
#include "dimse/association_session.h"
#include "dimse/commitment_reporter.h"
#include "dimse/connection_pool.h"
#include "dimse/dimse_options.h"
#include "dimse/service_context.h"
#include "dimse/socket_listener.h"

namespace tessera::dimse {

// The DICOM network service (DICOM upper layer, optionally over TLS): C-ECHO,
// C-STORE into the archive, C-FIND, C-MOVE and C-GET from it, for the callers
// the access policy allows. An accept thread hands each connection to one of
// max_associations worker threads; beyond that, associations are rejected as
// transient "local limit exceeded". Thread-safe.
class DicomService {
 public:
  // Validates `options`, binds the listening socket and starts serving.
  // `archive` must outlive the service. Process-wide effects: SIGPIPE is
  // ignored, DCMTK's reverse DNS lookups are turned off, its connect timeout
  // set to association_timeout and TCP_NODELAY=1 put in the environment (unless
  // set) so that DCMTK's outbound associations do without Nagle's algorithm.
  // Errors: kInvalidArgument for bad options (empty or over-long AE title,
  // max_pdu_bytes outside 4096..131072, zero max_associations, TLS files
  // missing or not matching), kIo when the address cannot be bound (e.g. the
  // port is taken).
  static Result<std::unique_ptr<DicomService>> Start(DimseOptions options,
                                                     archive::Archive& archive);
  ~DicomService();  // Stop()
  DicomService(const DicomService&) = delete;
  DicomService& operator=(const DicomService&) = delete;

  // The port actually bound (useful with port 0).
  std::uint16_t port() const { return port_; }

  // Stops accepting, lets running associations go on for up to
  // association_timeout (idle ones are aborted after it, long C-MOVEs and C-GETs
  // stop between sub-operations), then joins every thread. Idempotent.
  void Stop();

 private:
  DicomService(DimseOptions options, archive::Archive& archive);
  void AcceptLoop();

  const DimseOptions options_;
  archive::Archive& archive_;
  const AccessPolicy policy_;
  ShutdownSignal shutdown_;
  std::unique_ptr<SocketListener> listener_;
  std::unique_ptr<AcceptorNetwork> network_;
  std::unique_ptr<DcmTLSTransportLayer> requestor_tls_;
  std::unique_ptr<CommitmentReporter> commitments_;
  std::unique_ptr<ServiceEnvironment> environment_;
  std::unique_ptr<AddressSlots> slots_;
  LogThrottle crowded_log_{std::chrono::minutes(1)};  // connections over an address's limit
  LogThrottle busy_log_{std::chrono::minutes(1)};     // connections while every worker is busy
  std::unique_ptr<ConnectionPool> pool_;
  std::uint16_t port_ = 0;
  std::thread accept_thread_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

}  // namespace tessera::dimse
