#include "app/settings.h"

#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "config/loader.h"
#include "config/validate.h"

namespace tessera::app {

std::filesystem::path ConfigFileIn(const std::filesystem::path& data_dir) {
  return data_dir / "tessera.toml";
}

// The names of this process's TESSERA_* environment variables.
static std::vector<std::string> TesseraVariableNames() {
  std::vector<std::string> names;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (!text.starts_with("TESSERA_")) continue;
    names.emplace_back(text.substr(0, text.find('=')));
  }
  return names;
}

Result<config::Config> LoadSettings(const CommonFlags& flags) {
  if (auto status = config::CheckEnvironmentNames(TesseraVariableNames()); !status) {
    return std::move(status).error();
  }
  const auto environment = config::ProcessEnvironment();
  std::optional<std::filesystem::path> file = flags.config_file;
  if (!file) {
    // Without --config, the data folder's own file applies when there is one.
    const std::filesystem::path data_dir =
        flags.data_dir ? *flags.data_dir
                       : std::filesystem::path(environment("TESSERA_DATA_DIR").value_or("data"));
    std::error_code ec;
    if (std::filesystem::exists(ConfigFileIn(data_dir), ec)) file = ConfigFileIn(data_dir);
  }
  auto settings = config::Load(file, environment);
  if (!settings) return settings;
  if (flags.data_dir) settings->data_dir = *flags.data_dir;
  if (flags.listen) settings->http.listen = *flags.listen;
  if (flags.plain_http) settings->http.tls = false;
  if (flags.dicom_listen) settings->dicom.listen = *flags.dicom_listen;
  if (auto status = config::Validate(*settings); !status) return std::move(status).error();
  settings->data_dir = std::filesystem::absolute(settings->data_dir).lexically_normal();
  return settings;
}

}  // namespace tessera::app
