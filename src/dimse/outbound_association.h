#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "archive/archive.h"
#include "base/result.h"
#include "dimse/association_handle.h"
#include "dimse/dimse_options.h"

namespace tessera::dimse {

// An association we open to a C-MOVE destination to send it instances. The
// destructor releases it (or aborts it after MarkBroken()). Not thread-safe.
class OutboundAssociation {
 public:
  // Connects to `peer` (over TLS when peer.tls, using `tls`) as
  // options.ae_title, proposing for each SOP class among `instances` one
  // presentation context per stored transfer syntax plus one with explicit and
  // implicit little endian (the transcoding fallback), at most 128 contexts.
  // Errors: kInvalidArgument when the peer wants TLS but `tls` is null;
  // kUnavailable when the connection fails, times out (association_timeout),
  // is rejected or accepts no context.
  static Result<std::unique_ptr<OutboundAssociation>> Open(
      const KnownPeer& peer, const DimseOptions& options, DcmTLSTransportLayer* tls,
      std::span<const archive::InstanceRef> instances);
  ~OutboundAssociation();
  OutboundAssociation(const OutboundAssociation&) = delete;
  OutboundAssociation& operator=(const OutboundAssociation&) = delete;

  T_ASC_Association& association() { return *association_; }
  // The association can no longer be used: abort instead of releasing it.
  void MarkBroken() { broken_ = true; }

 private:
  OutboundAssociation() = default;

  NetworkHandle network_;  // outlives association_
  RequestedAssociation association_;
  bool established_ = false;
  bool broken_ = false;
};

}  // namespace tessera::dimse
