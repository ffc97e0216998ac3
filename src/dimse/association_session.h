#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "archive/archive.h"
#include "dimse/acceptor_network.h"
#include "dimse/access_policy.h"
#include "dimse/dimse_options.h"
#include "dimse/service_context.h"
#include "dimse/socket_listener.h"

namespace tessera::dimse {

// What every association of one DicomService shares. All members are
// thread-safe or immutable while the service runs.
struct ServiceEnvironment {
  archive::Archive& archive;
  const DimseOptions& options;
  const AccessPolicy& policy;
  AcceptorNetwork& network;
  DcmTLSTransportLayer* requestor_tls;  // null unless DICOM TLS is configured
  const ShutdownSignal& shutdown;
  CommitmentReporter& commitments;
};

// Serves one connection from its A-ASSOCIATE-RQ to release or abort: negotiates
// (AcceptAssociation), then answers C-ECHO, C-STORE, C-FIND, C-MOVE, C-GET and
// storage commitment (N-ACTION) requests one at a time until the peer releases or aborts, a DIMSE
// error, the idle timeout (dimse_timeout without a command), or the end of the shutdown grace
// period. Logs one line per association: calling AE, peer address, outcome and what was done;
// failures get their own lines. Blocks; runs on a worker.
void ServeConnection(const ServiceEnvironment& environment, AcceptedSocket socket);

}  // namespace tessera::dimse
