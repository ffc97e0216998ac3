#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dimse.h>

#include "base/result.h"
#include "dimse/service_context.h"

namespace tessera::dimse {

// Serves an N-ACTION-RQ of the Storage Commitment Push Model (PS3.4 J.3.2):
// reads the Action Information, answers success once the request is queued
// with the CommitmentReporter (which reports the result on a new association),
// or refuses with an Error Comment: 0x0118 / 0x0117 / 0x0123 for another SOP
// class, instance or action, 0x0124 when the caller may not store, 0x0115 for
// malformed Action Information, 0x0110 when the caller is not a configured peer
// (there is nowhere to send the report), 0x0213 when too many reports wait.
// Errors: kUnavailable when the association failed (end it).
Status ServeCommit(ServiceContext& context, const T_DIMSE_N_ActionRQ& request,
                   T_ASC_PresentationContextID context_id);

}  // namespace tessera::dimse
