#pragma once

#include <memory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "base/result.h"
#include "dimse/dimse_options.h"

namespace tessera::dimse {

// Configures a DCMTK TLS layer for DICOM TLS (the BCP 195 profile, TLS 1.2+):
//  - acceptor: our certificate and key (required); callers must present a
//    certificate signed by client_ca_file when it is set, else none is asked for;
//  - requestor (C-MOVE destinations): our certificate and key when set, and the
//    destination's certificate verified against client_ca_file plus our own
//    certificate when client_ca_file is set, else not verified (logged once by
//    DicomService::Start).
// Errors: kInvalidArgument naming the file that is missing, unreadable or does
// not match (key vs. certificate); kInternal for other OpenSSL failures.
Status ConfigureTlsLayer(DcmTLSTransportLayer& layer, const DimseOptions& options, bool acceptor);

// A requestor-side TLS layer configured as above.
Result<std::unique_ptr<DcmTLSTransportLayer>> MakeRequestorTlsLayer(const DimseOptions& options);

}  // namespace tessera::dimse
