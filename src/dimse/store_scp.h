#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dimse.h>

#include "base/result.h"
#include "dimse/service_context.h"

namespace tessera::dimse {

// Serves a C-STORE-RQ whose command was just received: streams the data set,
// byte for byte as sent, behind a File Meta header into a new incoming file of
// the archive (as storescp --bit-preserving does), hands it to Archive::Store
// (the same durable ingest as STOW-RS) and answers once the instance is safe:
// success; 0xB007 when the stored SOP class or instance differs from the
// request's; otherwise a failure status (out of resources, cannot understand,
// not authorized, ...) with an Error Comment, never success.
// Errors: kUnavailable when the association failed (end it).
Status ServeStore(ServiceContext& context, const T_DIMSE_C_StoreRQ& request,
                  T_ASC_PresentationContextID context_id);

}  // namespace tessera::dimse
