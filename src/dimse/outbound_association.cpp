#include "dimse/outbound_association.h"

#include <vector>

#include <dcmtk/dcmnet/dul.h>

#include "dimse/implementation_identity.h"

namespace tessera::dimse {
namespace {

// "AE (host:port)", for errors.
std::string Named(const KnownPeer& peer) {
  return peer.ae_title + " (" + peer.host + ":" + std::to_string(peer.port) + ")";
}

Error Unavailable(const KnownPeer& peer, std::string_view what, const OFCondition& condition) {
  return Fail(ErrorCode::kUnavailable,
              Named(peer) + ": " + std::string(what) + ": " + condition.text());
}

}  // namespace

Result<std::unique_ptr<OutboundAssociation>> OutboundAssociation::Open(
    const KnownPeer& peer, const DimseOptions& options, DcmTLSTransportLayer* tls,
    std::span<const Proposal> proposals) {
  if (peer.tls && tls == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                Named(peer) + " wants DICOM TLS, which is not configured");
  }
  if (proposals.size() > kMaxPresentationContexts) {
    return Fail(ErrorCode::kInvalidArgument, "more than 128 presentation contexts to propose");
  }
  const int timeout = static_cast<int>(options.association_timeout.count());
  std::unique_ptr<OutboundAssociation> outbound(new OutboundAssociation());
  T_ASC_Network* network = nullptr;
  OFCondition result = ASC_initializeNetwork(NET_REQUESTOR, 0, timeout, &network);
  outbound->network_.reset(network);
  if (result.bad()) return Unavailable(peer, "initializing the network", result);
  if (peer.tls) {
    result = ASC_setTransportLayer(network, tls, 0);
    if (result.bad()) return Unavailable(peer, "setting the TLS layer", result);
  }

  T_ASC_Parameters* params = nullptr;
  result = ASC_createAssociationParameters(&params, static_cast<long>(options.max_pdu_bytes));
  if (result.bad()) return Unavailable(peer, "creating association parameters", result);
  UseTesseraImplementation(*params);
  ASC_setAPTitles(params, options.ae_title.c_str(), peer.ae_title.c_str(), nullptr);
  ASC_setTransportLayerType(params, peer.tls ? OFTrue : OFFalse);
  const std::string address = peer.host + ":" + std::to_string(peer.port);
  ASC_setPresentationAddresses(params, "localhost", address.c_str());
  T_ASC_PresentationContextID id = 1;
  for (const Proposal& proposal : proposals) {
    std::vector<const char*> syntaxes;
    for (const std::string& syntax : proposal.syntaxes) syntaxes.push_back(syntax.c_str());
    ASC_addPresentationContext(params, id, proposal.sop_class.c_str(), syntaxes.data(),
                               static_cast<int>(syntaxes.size()), proposal.role);
    id += 2;
  }

  T_ASC_Association* raw = nullptr;
  result = ASC_requestAssociation(network, params, &raw, nullptr, nullptr, DUL_NOBLOCK, timeout);
  // The association owns the parameters from here on, also when the request failed.
  if (raw == nullptr) ASC_destroyAssociationParameters(&params);
  outbound->association_.reset(raw);
  if (result.bad()) return Unavailable(peer, "requesting an association", result);
  outbound->established_ = true;
  if (ASC_countAcceptedPresentationContexts(raw->params) == 0) {
    outbound->MarkBroken();
    return Fail(ErrorCode::kUnsupported, Named(peer) + " accepted no presentation context");
  }
  return outbound;
}

OutboundAssociation::~OutboundAssociation() {
  if (!established_) return;
  if (broken_) {
    ASC_abortAssociation(association_.get());
    return;
  }
  if (ASC_releaseAssociation(association_.get()).bad()) ASC_abortAssociation(association_.get());
}

}  // namespace tessera::dimse
