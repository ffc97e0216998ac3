#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "config/config.h"

namespace tessera::config {

// Reads an environment variable; injected so tests don't touch the process environment.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvironmentLookup ProcessEnvironment();

// Builds the configuration: defaults, then `file` when given (TOML), then
// TESSERA_* environment variables. Unknown keys in the file and malformed values
// anywhere are errors whose message names the key, e.g.
// "http.listen: expected ADDRESS:PORT, got 'x'". The result is not yet validated.
Result<Config> Load(const std::optional<std::filesystem::path>& file,
                    const EnvironmentLookup& environment);

// The environment variable that overrides `key` ("http.listen" -> "TESSERA_HTTP_LISTEN").
std::string EnvironmentName(std::string_view key);

// Refuses a variable among `names` (the environment's) that sits in a section's
// family (TESSERA_HTTP_...) but names no setting: a misspelt TESSERA_HTTP_LISTN
// would leave the server on another address without a word, where the same
// slip in the file is refused. Other names, TESSERA_DATA_DIR among them, pass.
// Errors: kInvalidArgument naming the variable.
Status CheckEnvironmentNames(std::span<const std::string> names);

}  // namespace tessera::config
