#pragma once

#include <memory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>

namespace tessera::dimse {

// Frees an association we accepted: waits briefly for the peer to close the
// connection (it closes first after a release or abort; this avoids TIME_WAIT
// on our side), then drops and destroys it.
struct AcceptedAssociationDeleter {
  void operator()(T_ASC_Association* association) const {
    ASC_dropSCPAssociation(association, 1);
    ASC_destroyAssociation(&association);
  }
};
using AcceptedAssociation = std::unique_ptr<T_ASC_Association, AcceptedAssociationDeleter>;

// Frees an association we requested (after ASC_releaseAssociation or
// ASC_abortAssociation, or when the request failed).
struct RequestedAssociationDeleter {
  void operator()(T_ASC_Association* association) const { ASC_destroyAssociation(&association); }
};
using RequestedAssociation = std::unique_ptr<T_ASC_Association, RequestedAssociationDeleter>;

// Owns a T_ASC_Network.
struct NetworkDeleter {
  void operator()(T_ASC_Network* network) const { ASC_dropNetwork(&network); }
};
using NetworkHandle = std::unique_ptr<T_ASC_Network, NetworkDeleter>;

}  // namespace tessera::dimse
