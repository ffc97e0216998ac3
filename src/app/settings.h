#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"
#include "config/config.h"

namespace tessera::app {

// The flags every subcommand shares, and those `serve` adds.
struct CommonFlags {
  std::optional<std::filesystem::path> config_file;  // --config
  std::optional<std::filesystem::path> data_dir;     // --data
  std::optional<std::string> listen;                 // --listen
  bool plain_http = false;                           // --plain-http
  std::optional<std::string> dicom_listen;           // --dicom-listen
};

// The configuration for a command: defaults, then the config file (--config, or
// <data>/tessera.toml when it exists), then TESSERA_* variables, then flags;
// validated. Errors: kInvalidArgument naming the key.
Result<config::Config> LoadSettings(const CommonFlags& flags);

// Where a data folder keeps its configuration file.
std::filesystem::path ConfigFileIn(const std::filesystem::path& data_dir);

}  // namespace tessera::app
