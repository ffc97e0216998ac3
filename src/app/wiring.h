#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "archive/archive.h"
#include "auth/auth_options.h"
#include "config/config.h"
#include "dicomweb/context.h"
#include "dimse/dimse_options.h"
#include "http/server.h"

namespace tessera::app {

// Translations from the configuration model to each layer's own options, so
// that no layer below app/ depends on config/.

http::ServerOptions ServerOptionsFrom(const config::Config& config);
archive::ArchiveOptions ArchiveOptionsFrom(const config::Config& config);
auth::AuthOptions AuthOptionsFrom(const config::Config& config);
dicomweb::DicomwebOptions DicomwebOptionsFrom(const config::Config& config);
// Errors: kInvalidArgument for an operation name the configuration validator missed.
Result<dimse::DimseOptions> DimseOptionsFrom(const config::Config& config);

// The base URL links printed on the command line should use: http.public_url when
// set; else the listen address (with `bound_port` when given, for a server that
// listens on port 0), or this machine's first LAN address when the server listens
// on all of them — "localhost" only when the machine has none (the link is for
// other machines).
std::string CommandLinePublicUrl(const config::Config& config,
                                 std::optional<std::uint16_t> bound_port = std::nullopt);

// Threads for blocking work: the configured number, or four per core.
std::size_t BlockingThreads(const config::Config& config);

}  // namespace tessera::app
