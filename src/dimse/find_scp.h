#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dimse.h>

#include "base/result.h"
#include "dimse/service_context.h"

namespace tessera::dimse {

// Serves a C-FIND-RQ whose command was just received, for the Patient Root and
// Study Root models: receives the identifier, runs it through Archive::Find
// (the QIDO-RS matching engine, see QueryFromIdentifier), sends one pending
// response (0xFF00) per match with only the requested and unique keys, and ends
// with success, cancel (0xFE00) after a C-CANCEL-RQ, or a failure status
// (0xA900 for a malformed identifier, 0xC000 when the archive fails) with an
// Error Comment. Errors: kUnavailable when the association failed (end it).
Status ServeFind(ServiceContext& context, const T_DIMSE_C_FindRQ& request,
                 T_ASC_PresentationContextID context_id);

}  // namespace tessera::dimse
