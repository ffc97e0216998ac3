#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "archive/archive.h"
#include "base/result.h"
#include "dimse/association_handle.h"
#include "dimse/dimse_options.h"

namespace tessera::dimse {

// One presentation context to propose: a SOP class, its transfer syntaxes, and
// our role (ASC_SC_ROLE_DEFAULT: SCU, without role selection).
struct Proposal {
  std::string sop_class;
  std::vector<std::string> syntaxes;
  T_ASC_SC_ROLE role = ASC_SC_ROLE_DEFAULT;
};

// Instances for one association to a C-MOVE destination, and the presentation
// contexts it proposes for them.
struct StorageBatch {
  std::vector<Proposal> proposals;
  std::vector<archive::InstanceRef> instances;
};

// Splits `instances` into batches that each fit one association's 128
// presentation contexts: for each SOP class one context per stored transfer
// syntax plus one with explicit and implicit little endian (the transcoding
// fallback), a SOP class's contexts all in one batch. Classes keep their order
// of first appearance, instances their order within a batch.
std::vector<StorageBatch> StorageBatches(std::span<const archive::InstanceRef> instances);

// An association we open to a known peer: a C-MOVE destination to send it
// instances, a modality to report storage commitment results to. The destructor
// releases it (or aborts it after MarkBroken()). Not thread-safe.
class OutboundAssociation {
 public:
  // Connects to `peer` (over TLS when peer.tls, using `tls`) as
  // options.ae_title, proposing `proposals` (at most 128).
  // Errors: kInvalidArgument when the peer wants TLS but `tls` is null;
  // kUnavailable when the connection fails, times out (association_timeout),
  // is rejected or accepts no context.
  static Result<std::unique_ptr<OutboundAssociation>> Open(const KnownPeer& peer,
                                                           const DimseOptions& options,
                                                           DcmTLSTransportLayer* tls,
                                                           std::span<const Proposal> proposals);
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
