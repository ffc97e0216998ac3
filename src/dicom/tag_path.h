#pragma once

#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcitem.h>

#include "base/result.h"

namespace tessera::dicom {

// Resolves a bulk data tag path as dataset_json writes it: "7FE00010" names a
// top-level element, "00540016/0/00181072" the element (0018,1072) in the first
// (0-based) item of sequence (0054,0016); sequences nest to any depth.
// Errors: kInvalidArgument for a malformed path, kNotFound when an element or
// item does not exist. The element is borrowed from `dataset`.
Result<DcmElement*> FindElementByTagPath(DcmItem& dataset, std::string_view tag_path);

}  // namespace tessera::dicom
