#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "archive/archive.h"
#include "dimse/access_policy.h"
#include "dimse/association_acceptor.h"
#include "dimse/dimse_options.h"

namespace tessera::dimse {

class CommitmentReporter;

// Tells associations that the service is stopping and when their grace period
// ends. Thread-safe.
class ShutdownSignal {
 public:
  void Begin(std::chrono::steady_clock::duration grace) {
    deadline_.store((std::chrono::steady_clock::now() + grace).time_since_epoch().count());
    stopping_.store(true);
  }
  bool stopping() const { return stopping_.load(); }
  // True once stopping and the grace period is over: running work ends now.
  bool Expired() const {
    return stopping_.load() &&
           std::chrono::steady_clock::now().time_since_epoch().count() >= deadline_.load();
  }

 private:
  std::atomic<bool> stopping_{false};
  std::atomic<std::chrono::steady_clock::rep> deadline_{0};
};

// What one association did, for its log line.
struct AssociationStats {
  std::size_t echoes = 0;
  std::size_t stored = 0;
  std::size_t store_failures = 0;
  std::size_t finds = 0;
  std::size_t moves = 0;
  std::size_t gets = 0;
  std::size_t commitments = 0;
  std::size_t sub_operations = 0;
  std::size_t sub_operation_failures = 0;
  std::size_t unrecognized = 0;  // DIMSE-N requests answered 0x0211
};

// What the service handlers of one association use. Lives while the association
// is served, on that association's thread.
struct ServiceContext {
  T_ASC_Association& association;
  archive::Archive& archive;
  const DimseOptions& options;
  const AccessPolicy& policy;
  const AcceptedAssociationInfo& peer;
  std::string_view peer_address;
  DcmTLSTransportLayer* requestor_tls;  // null unless DICOM TLS is configured
  const ShutdownSignal& shutdown;
  CommitmentReporter& commitments;
  AssociationStats& stats;

  bool Allows(Operation operation) const { return peer.access.allowed.count(operation) != 0; }
  // "CALLING_AE@address", for log lines.
  std::string Caller() const { return peer.calling_ae + "@" + std::string(peer_address); }
  int dimse_timeout() const { return static_cast<int>(options.dimse_timeout.count()); }
};

}  // namespace tessera::dimse
