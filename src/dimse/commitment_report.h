#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include "base/result.h"
#include "dimse/dimse_options.h"
#include "dimse/storage_commitment.h"

namespace tessera::dimse {

// Opens an association to `peer` (proposing the Storage Commitment Push Model
// with SCP/SCU role selection, our role SCP: PS3.4 J.3.3) and sends it the
// N-EVENT-REPORT of `result` (CommitmentEventInformation), giving the
// connection and the response 10 s each at most (less when the options say so). Errors:
// kUnavailable when the peer cannot be reached, accepts no storage commitment context, does not
// answer the report, or answers it with a failure status (a warning counts as taken).
Status SendCommitmentReport(const KnownPeer& peer, const DimseOptions& options,
                            DcmTLSTransportLayer* tls, const CommitmentRequest& request,
                            const CommitmentResult& result);

}  // namespace tessera::dimse
