#pragma once

#include <string>
#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>

#include "base/result.h"
#include "dimse/access_policy.h"

namespace tessera::dimse {

// True for the SOP classes in DCMTK's list of storage SOP classes.
bool IsStorageSopClass(std::string_view sop_class_uid);

struct AcceptedAssociationInfo {
  std::string calling_ae;
  std::string called_ae;
  AccessDecision access;
};

// Answers a received association request:
//  - rejects it (permanent) for an unknown application context, a called AE
//    title that is not ours, or a caller the policy refuses;
//  - accepts, per presentation context, Verification (echo), the Patient and
//    Study Root FIND, MOVE and GET models, and every storage SOP class, each only
//    when the caller may use the service. Storage contexts are accepted with the
//    role the requestor proposed: as requestor SCU for C-STORE (store allowed),
//    as requestor SCP for our C-GET sub-operations (get allowed). Storage takes
//    the first proposed transfer syntax we accept (what the modality prefers is
//    what is stored); the other services prefer explicit little endian;
//  - rejects it when no context was accepted ("calling AE title not
//    recognized" when the policy refused some of them), else acknowledges it.
// Errors: kPermissionDenied when rejected (the message says why, for the log;
// the reject was sent); kUnavailable when the answer could not be sent.
Result<AcceptedAssociationInfo> AcceptAssociation(T_ASC_Association& association,
                                                  const AccessPolicy& policy,
                                                  std::string_view peer_address);

}  // namespace tessera::dimse
