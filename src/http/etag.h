#pragma once

#include <string_view>

namespace tessera::http {

// True when an If-None-Match value names `etag` (a quoted entity tag): a list of
// tags, weak (W/"x") ones compared as strong, or "*" for any (RFC 9110 13.1.2).
// The answer is then 304 Not Modified.
bool EtagListMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace tessera::http
