#pragma once

#include <span>
#include <string>
#include <string_view>

#include "http/router.h"

namespace tessera::http {

// One file of the embedded web UI. The views point into data with static
// storage duration (generated into the binary).
struct StaticAsset {
  std::string_view path;          // relative, e.g. "explorer.html", "lib/api.js"
  std::string_view content_type;  // e.g. "text/html; charset=utf-8"
  std::string_view bytes;
  std::string_view etag;  // quoted, e.g. "\"3f2a9c\""
};

// The Content-Security-Policy sent with HTML assets. Scripts and styles only
// from our origin (no inline code); images may be data:/blob: URLs made by the
// viewer; fetches may go to other DICOMweb servers; no plugins; no <base>
// hijacking; not framed by other sites.
inline constexpr std::string_view kHtmlContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' *; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

// The asset at `path` in `assets`, or nullptr.
const StaticAsset* FindStaticAsset(std::span<const StaticAsset> assets, std::string_view path);

// A handler for a route ending in "{*rest}" that serves the asset named by the
// capture "rest" (empty: `index`). Lookup is in a table built here, so no path
// can reach anything but the listed assets. Answers 404 JSON for unknown names
// and 304 when If-None-Match holds the asset's ETag; every answer carries
// "Cache-Control: no-cache" (always revalidate) and "X-Content-Type-Options:
// nosniff". `assets` must outlive the handler. The handler is thread-safe.
Handler StaticFilesHandler(std::span<const StaticAsset> assets, std::string index = "index.html");

}  // namespace tessera::http
