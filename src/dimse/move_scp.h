#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dimse.h>

#include "base/result.h"
#include "dimse/service_context.h"

namespace tessera::dimse {

// Serves a C-MOVE-RQ whose command was just received: looks the Move
// Destination up among the known peers (unknown: 0xA801), finds the instances
// the identifier names and sends each one as stored (see StoreScu) on
// associations to the destination, one after the other when their SOP classes
// need more than one association's presentation contexts (see StorageBatches);
// a batch whose classes the destination takes none of fails and the next is
// tried, while a destination that cannot be reached fails the rest. A pending
// response with the sub-operation counts follows each sub-operation, then the
// final status (success; 0xB000 when some failed; 0xA702 when all failed;
// 0xFE00 after a C-CANCEL-RQ) with the Failed SOP Instance UID List.
// Errors: kUnavailable when the requesting association failed (end it).
Status ServeMove(ServiceContext& context, const T_DIMSE_C_MoveRQ& request,
                 T_ASC_PresentationContextID context_id);

}  // namespace tessera::dimse
