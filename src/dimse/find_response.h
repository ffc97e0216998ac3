#pragma once

#include <memory>
#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <nlohmann/json.hpp>

#include "base/result.h"
#include "dimse/query_from_identifier.h"

namespace tessera::dimse {

// Builds the identifier of one C-FIND pending response from an archive match
// (a DICOM JSON object): QueryRetrieveLevel, the requested keys and the unique
// keys with the match's values (a requested key the match lacks is sent empty),
// RetrieveAETitle set to `retrieve_ae_title` when requested, and Specific
// Character Set "ISO_IR 192" when any text is not ASCII. Nothing else.
// Errors: kInvalidArgument when the match holds malformed JSON values.
Result<std::unique_ptr<DcmDataset>> BuildFindResponse(const nlohmann::json& match,
                                                      const FindRequest& request,
                                                      std::string_view retrieve_ae_title);

}  // namespace tessera::dimse
