#pragma once

#include <span>

#include "config/config.h"
#include "http/router.h"
#include "http/static_files.h"

namespace tessera::app {

// The explorer's routes: its embedded pages and files under <prefix><app>/, its
// settings at <prefix><app>/config.json, and a redirect from / to the explorer.
// All public: the pages hold no data; the data calls they make are guarded.
void RegisterExplorerRoutes(http::Router& router, const config::Config& config,
                            std::span<const http::StaticAsset> assets);

}  // namespace tessera::app
