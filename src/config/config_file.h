#pragma once

#include <string>

#include "config/config.h"

namespace tessera::config {

// A commented TOML file with every key at `config`'s value, its
// [[dicom.modalities]] included, for `tessera init`; Load reads it back to the
// same configuration.
std::string DefaultConfigFile(const Config& config);

}  // namespace tessera::config
