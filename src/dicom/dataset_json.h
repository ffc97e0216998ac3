#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <nlohmann/json.hpp>

#include "base/result.h"

namespace tessera::dicom {

struct JsonOptions {
  // Bulk data elements get {"BulkDataURI": bulk_data_uri_prefix + <tag path>}, the
  // tag path being "7FE00010" at top level and "00540016/0/00181072" inside
  // sequences ("<sequence tag>/<0-based item index>/<tag>").
  std::string bulk_data_uri_prefix;
  // OB, OD, OF, OL, OV, OW and UN values up to this many bytes are InlineBinary
  // (base64 of the little-endian bytes); longer ones are bulk data. Pixel Data
  // (7FE0,0010), Float and Double Float Pixel Data are always bulk data.
  std::uint32_t inline_binary_max_bytes = 1024;
};

// Converts a data set or item to a PS3.18 Annex F DICOM JSON object:
//  - keys are 8-digit upper-case hex tags, ascending; group lengths (gggg,0000),
//    File Meta elements (0002,xxxx) and Data Set Trailing Padding are left out;
//    private elements and their creators are kept;
//  - an element stored as UN whose tag the dictionary knows with a text or (in
//    little-endian data) numeric VR is written with that VR (PS3.5 6.2.2), so UIDs
//    and names survive converters that wrote everything as UN;
//  - "vr" always; "Value" only when the element has a value; an empty component
//    of a multi-valued element is null;
//  - text is converted to UTF-8 and (0008,0005) becomes "ISO_IR 192" (added at the
//    top level when the source had none but converted text is not ASCII). Values
//    that cannot be converted are read as ISO 8859-1 (or kept when already valid
//    UTF-8) and one warning naming only the character set is logged per call;
//  - strings split on '\' except LT, ST, UT, UR; padding spaces are removed;
//  - PN values are {"Alphabetic", "Ideographic", "Phonetic"} split on '=', empty
//    groups left out;
//  - IS and DS values are JSON numbers; a value that does not parse as a finite
//    number (or an IS beyond 64 bits) is kept as its trimmed text, a JSON string,
//    so nothing is lost and the document stays valid JSON;
//  - FL, FD, SL, SS, UL, US are numbers; FL/FD NaN and infinities are the strings
//    "NaN", "Infinity", "-Infinity"; SV/UV are numbers when |v| < 2^53, else
//    decimal strings; AT is "GGGGEEEE"; SQ is an array of item objects.
// Values left on disk by a bounded read are loaded on access. Errors: kCorrupt when
// a value cannot be read (malformed, or the file changed underneath).
// Does not modify `item`. Thread-safe for distinct items.
Result<nlohmann::json> DatasetToJson(DcmItem& item, const JsonOptions& options);

// The first value of a string attribute of a DICOM JSON object (`tag` as
// (group << 16) | element), or "" when it has none or it is not a string.
std::string FirstString(const nlohmann::json& object, std::uint32_t tag);

// True for the VRs whose values DICOM JSON carries as InlineBinary or
// BulkDataURI: OB, OD, OF, OL, OV, OW, UN.
bool IsJsonBinaryVr(DcmEVR vr);

// The reverse, for C-FIND responses built from index JSON: each key must be an
// 8-hex-digit tag with a "vr"; values follow the rules above (numbers or strings
// for IS/DS, PN objects or plain strings, "GGGGEEEE" for AT, nested objects for
// SQ, InlineBinary for binary VRs; one whose length is no multiple of its VR's
// width, as metadata stored before such values went out as UN, is read as UN).
// BulkDataURI values are skipped: the element is created empty. (0008,0005) is set to "ISO_IR 192"
// when any text is not ASCII. Errors: kInvalidArgument naming the offending tag for malformed
// input.
Result<std::unique_ptr<DcmDataset>> DatasetFromJson(const nlohmann::json& json);

}  // namespace tessera::dicom
