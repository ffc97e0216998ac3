#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>

namespace tessera::dimse {

// Makes `params` (an association Tessera requests, or one it received and is
// about to accept or reject) carry Tessera's Implementation Class UID and
// Version Name (dicom/implementation.h) instead of DCMTK's defaults.
void UseTesseraImplementation(T_ASC_Parameters& params);

}  // namespace tessera::dimse
