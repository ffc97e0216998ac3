#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dimse.h>

#include "base/result.h"
#include "dimse/service_context.h"

namespace tessera::dimse {

// Serves a C-GET-RQ whose command was just received: finds the instances the
// identifier names and sends each one as a C-STORE sub-operation on the same
// association, over the storage contexts the requestor proposed with the SCP
// role (see StoreScu), answering a pending response with the sub-operation
// counts after each, then the final status (success, 0xB000 when some failed,
// 0xA702 when all failed, 0xFE00 after a C-CANCEL-RQ) with the Failed SOP
// Instance UID List. Errors: kUnavailable when the association failed (end it).
Status ServeGet(ServiceContext& context, const T_DIMSE_C_GetRQ& request,
                T_ASC_PresentationContextID context_id);

}  // namespace tessera::dimse
