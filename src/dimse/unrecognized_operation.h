#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dimse.h>

#include "base/result.h"
#include "dimse/service_context.h"

namespace tessera::dimse {

// Answers a DIMSE-N request that Tessera does not serve (N-GET, N-SET,
// N-CREATE, N-DELETE, N-EVENT-REPORT) with its response type and the failure
// status 0x0211 "unrecognized operation" (PS3.7 annex C), after reading and
// dropping the data set it announces, so that the association goes on.
// Errors: kUnsupported for any other command, which has no response to give
// (end the association); kUnavailable when the association failed.
Status RefuseUnrecognizedOperation(ServiceContext& context, const T_DIMSE_Message& request,
                                   T_ASC_PresentationContextID context_id);

}  // namespace tessera::dimse
