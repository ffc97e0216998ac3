#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::http {

// Response compression rules shared by the session and its tests.

// String bodies smaller than this are sent as they are.
inline constexpr std::size_t kMinGzipBytes = 1024;

// True when an Accept-Encoding header admits gzip (gzip, x-gzip or *, with q > 0).
bool AcceptsGzip(std::string_view accept_encoding);

// True for text/* and JSON media types (application/json, anything "+json").
bool IsCompressibleType(std::string_view content_type);

// `data` as a gzip member (RFC 1952) at the session's compression level; nullopt
// when zlib fails, which the caller treats as "send uncompressed".
std::optional<std::string> GzipCompress(std::string_view data);

}  // namespace tessera::http
