#pragma once

#include <chrono>
#include <memory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dcmlayer.h>

#include "base/result.h"
#include "base/unique_fd.h"
#include "dimse/association_handle.h"
#include "dimse/dimse_options.h"

namespace tessera::dimse {

// DCMTK's acceptor side of the DICOM upper layer, fed with sockets we accepted
// ourselves (see SocketListener). DCMTK 3.6.7's only way in for such a socket is
// its process-wide dcmExternalSocketHandle; Receive() sets it under a process-wide
// lock that is released as soon as DCMTK has taken the socket (in the transport
// layer's createConnection), so TLS handshakes and association requests of
// different connections still proceed in parallel. Thread-safe.
class AcceptorNetwork {
 public:
  // Creates the network and, when options.tls, the TLS layer (errors of
  // ConfigureTlsLayer). Errors: kInternal when DCMTK fails.
  static Result<std::unique_ptr<AcceptorNetwork>> Create(const DimseOptions& options);
  ~AcceptorNetwork();
  AcceptorNetwork(const AcceptorNetwork&) = delete;
  AcceptorNetwork& operator=(const AcceptorNetwork&) = delete;

  // Takes over `socket`, runs the TLS handshake when configured and reads the
  // A-ASSOCIATE-RQ, all within `timeout` (the socket is shut down when they are
  // not done by then, however the caller paces its bytes). On success the
  // association awaits
  // ASC_acknowledgeAssociation or ASC_rejectAssociation, and a read stalled
  // inside a later message gives up after the DIMSE timeout. Errors:
  // kUnavailable (peer closed, timed out, TLS handshake failed, not DICOM).
  Result<AcceptedAssociation> Receive(UniqueFd socket, std::chrono::seconds timeout);

 private:
  AcceptorNetwork() = default;

  std::unique_ptr<DcmTransportLayer> layer_;  // outlives network_
  NetworkHandle network_;
  long max_pdu_bytes_ = 0;
  bool tls_ = false;
  std::chrono::seconds transfer_timeout_{};
};

}  // namespace tessera::dimse
