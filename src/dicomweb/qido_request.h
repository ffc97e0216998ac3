#pragma once

#include <string>
#include <vector>

#include "archive/query.h"
#include "base/result.h"
#include "http/query_params.h"

namespace tessera::dicomweb {

// A QIDO-RS request turned into an archive query, plus what the response needs.
struct QidoRequest {
  archive::Query query;
  // Valid parameters that were not acted on, for `Warning: 299` headers.
  std::vector<std::string> warnings;
};

// Builds the query for a QIDO-RS search at `level`, scoped by the UIDs from the
// URL path (empty when absent), from the request's query parameters (already
// percent-decoded UTF-8). Parameters: attribute keywords or tags with values
// (single value, UID lists separated by ',' or '\', '*' and '?' wildcards,
// DA/TM/DT ranges), includefield, limit, offset, orderby, fuzzymatching and the
// Tessera extension count=true. Errors: kInvalidArgument naming the parameter
// (unknown attribute, malformed value or UID).
Result<QidoRequest> ParseQidoRequest(archive::QueryLevel level, const std::string& study_uid,
                                     const std::string& series_uid,
                                     const http::QueryParams& params);

}  // namespace tessera::dicomweb
