#pragma once

#include <span>

#include "http/static_files.h"

namespace tessera::web {

// Every file under web/ (pages, styles, ES modules), compiled into the binary
// and sorted by path ("auth/token.html", "explorer.html", "lib/api.js", ...).
// Each asset's content type comes from its extension and its ETag is a quoted
// hash of its bytes. The table and the bytes live for the whole program;
// immutable, so thread-safe.
std::span<const http::StaticAsset> Assets();

}  // namespace tessera::web
