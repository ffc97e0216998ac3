#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "base/result.h"
#include "dimse/association_handle.h"
#include "dimse/dimse_options.h"

namespace tessera::dimse {

// PS3.8: presentation context IDs are odd numbers 1..255.
inline constexpr std::size_t kMaxPresentationContexts = 128;

// One presentation context to propose: a SOP class, its transfer syntaxes, and
// our role (ASC_SC_ROLE_DEFAULT: SCU, without role selection).
struct Proposal {
  std::string sop_class;
  std::vector<std::string> syntaxes;
  T_ASC_SC_ROLE role = ASC_SC_ROLE_DEFAULT;
};

// An association we open to a known peer: a C-MOVE destination to send it
// instances, a modality to report storage commitment results to. The destructor
// releases it (or aborts it after MarkBroken()). Not thread-safe.
class OutboundAssociation {
 public:
  // Connects to `peer` (over TLS when peer.tls, using `tls`) as
  // options.ae_title, proposing `proposals` (at most kMaxPresentationContexts).
  // Errors: kInvalidArgument when the peer wants TLS but `tls` is null;
  // kUnavailable when the connection fails, times out (association_timeout) or
  // is rejected; kUnsupported when the peer accepts none of the contexts.
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
