#pragma once

#include "base/result.h"
#include "config/config.h"

namespace tessera::config {

// Checks cross-field rules and value ranges of a loaded configuration: listen
// addresses and ports that do not collide, route paths that do not nest, origins
// as CORS reads them, AE titles, token lifetimes... Errors: kInvalidArgument
// whose message starts with the key ("paths.wado_uri: ...").
Status Validate(const Config& config);

}  // namespace tessera::config
