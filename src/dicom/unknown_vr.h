#pragma once

#include <memory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcelem.h>

namespace tessera::dicom {

// Some converters write standard attributes with VR UN (e.g. after an implicit VR
// round trip), hiding UIDs, names and dates from the index. PS3.5 6.2.2 lets a
// reader that knows the tag use its real VR: this rebuilds `unknown` (a UN element)
// as a new, unattached element with the dictionary VR when that VR is text, or a
// fixed-size number (US, SS, UL, SL, FL, FD, AT) and the data set is little endian.
// nullptr when the dictionary has no such VR or the bytes do not fit it.
std::unique_ptr<DcmElement> WithDictionaryVr(DcmElement& unknown, bool little_endian);

}  // namespace tessera::dicom
