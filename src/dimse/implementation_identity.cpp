#include "dimse/implementation_identity.h"

#include <dcmtk/ofstd/ofstd.h>

#include "dicom/implementation.h"

namespace tessera::dimse {

void UseTesseraImplementation(T_ASC_Parameters& params) {
  const auto copy = [](auto& field, const char* value) {
    OFStandard::strlcpy(field, value, sizeof field);
  };
  // DCMTK reads "our" identity when it answers, and the DUL fields when it sends
  // a request or an acknowledgement: both, so that every PDU agrees.
  copy(params.ourImplementationClassUID, dicom::kImplementationClassUid);
  copy(params.ourImplementationVersionName, dicom::kImplementationVersionName);
  copy(params.DULparams.callingImplementationClassUID, dicom::kImplementationClassUid);
  copy(params.DULparams.callingImplementationVersionName, dicom::kImplementationVersionName);
  copy(params.DULparams.calledImplementationClassUID, dicom::kImplementationClassUid);
  copy(params.DULparams.calledImplementationVersionName, dicom::kImplementationVersionName);
}

}  // namespace tessera::dimse
