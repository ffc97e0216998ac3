#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dimse.h>

#include "base/result.h"
#include "dimse/service_context.h"

namespace tessera::dimse {

// Serves a C-MOVE-RQ whose command was just received: looks the Move
// Destination up among the known peers (unknown: 0xA801), finds the instances
// the identifier names, opens associations to the destination (one after the
// other, when they need more than 128 presentation contexts: see
// StorageBatches) and sends each one as stored (see StoreScu), answering a pending response with
// the sub-operation counts after each, then the final status (success, 0xB000 when some failed,
// 0xA702 when all failed or the destination cannot be reached, 0xFE00 after a C-CANCEL-RQ) with the
// Failed SOP Instance UID List. Errors: kUnavailable when the requesting association failed (end
// it).
Status ServeMove(ServiceContext& context, const T_DIMSE_C_MoveRQ& request,
                 T_ASC_PresentationContextID context_id);

}  // namespace tessera::dimse
