#pragma once

#include "archive/archive.h"
#include "config/config.h"
#include "http/router.h"

namespace tessera::app {

// GET <prefix>/health, public, for a monitoring system: 200 {"status": "ok"}
// while the archive takes stores and its index is current; otherwise 503
// {"status": "degraded", "problems": [...]} naming "storage_full" (less free
// space than archive.min_free_mib, or none), "storage_error" (the disk cannot
// be asked, or failed a write after the fact in the last 15 minutes: see
// archive::DeferredFileError) and "index_behind" (the index cannot be
// written; "unindexed" counts the stored instances it is missing). Only these
// words: the reasons, with paths, are in the server's log. `archive` must
// outlive the router.
void RegisterHealthRoute(http::Router& router, const config::Config& config,
                         const archive::Archive& archive);

}  // namespace tessera::app
