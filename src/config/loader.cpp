#include "config/loader.h"

#include <cstdlib>
#include <exception>
#include <set>
#include <variant>

#include <toml.hpp>

#include "base/strings.h"
#include "config/fields.h"

namespace tessera::config {
namespace {

// --- values from environment strings ---------------------------------------

std::optional<bool> ParseBool(std::string_view text) {
  const auto lower = ToLowerAscii(Trim(text));
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

template <class Unsigned>
Status SetUnsignedFromText(Unsigned& target, std::string_view key, std::string_view text) {
  const auto value = ParseUint(Trim(text));
  if (!value || *value > std::numeric_limits<Unsigned>::max()) {
    return KeyError(key, "expected a whole number, got '" + std::string(text) + "'");
  }
  target = static_cast<Unsigned>(*value);
  return Ok();
}

Status SetFromText(Config& config, const Field& field, std::string_view text) {
  const auto key = field.key;
  return std::visit(
      [&](auto ref) -> Status {
        auto& target = ref(config);
        using T = std::remove_reference_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) {
          target = std::string(text);
          return Ok();
        } else if constexpr (std::is_same_v<T, bool>) {
          const auto value = ParseBool(text);
          if (!value) return KeyError(key, "expected true or false, got '" + std::string(text) + "'");
          target = *value;
          return Ok();
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          target.clear();
          for (auto item : Split(text, ',')) {
            item = Trim(item);
            if (!item.empty()) target.emplace_back(item);
          }
          return Ok();
        } else {
          return SetUnsignedFromText(target, key, text);
        }
      },
      field.ref);
}

// --- values from TOML ------------------------------------------------------

Status SetFromToml(Config& config, const Field& field, const toml::value& value) {
  const auto key = field.key;
  return std::visit(
      [&](auto ref) -> Status {
        auto& target = ref(config);
        using T = std::remove_reference_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) {
          if (!value.is_string()) return KeyError(key, "expected a string");
          target = value.as_string().str;
          return Ok();
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!value.is_boolean()) return KeyError(key, "expected true or false");
          target = value.as_boolean();
          return Ok();
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          if (!value.is_array()) return KeyError(key, "expected an array of strings");
          target.clear();
          for (const auto& item : value.as_array()) {
            if (!item.is_string()) return KeyError(key, "expected an array of strings");
            target.push_back(item.as_string().str);
          }
          return Ok();
        } else {
          if (!value.is_integer() || value.as_integer() < 0 ||
              static_cast<std::uint64_t>(value.as_integer()) > std::numeric_limits<T>::max()) {
            return KeyError(key, "expected a whole number in range");
          }
          target = static_cast<T>(value.as_integer());
          return Ok();
        }
      },
      field.ref);
}

Status LoadModalities(Config& config, const toml::value& list) {
  constexpr std::string_view kKey = "dicom.modalities";
  if (!list.is_array()) return KeyError(kKey, "expected [[dicom.modalities]] tables");
  config.dicom.modalities.clear();
  for (const auto& entry : list.as_array()) {
    if (!entry.is_table()) return KeyError(kKey, "expected [[dicom.modalities]] tables");
    Modality modality;
    for (const auto& [name, value] : entry.as_table()) {
      const std::string key = std::string(kKey) + "." + name;
      if (name == "ae_title" && value.is_string()) {
        modality.ae_title = value.as_string().str;
      } else if (name == "host" && value.is_string()) {
        modality.host = value.as_string().str;
      } else if (name == "port" && value.is_integer() && value.as_integer() > 0 &&
                 value.as_integer() <= 65535) {
        modality.port = static_cast<std::uint16_t>(value.as_integer());
      } else if (name == "tls" && value.is_boolean()) {
        modality.tls = value.as_boolean();
      } else if (name == "allow" && value.is_array()) {
        modality.allow.clear();
        for (const auto& item : value.as_array()) {
          if (!item.is_string()) return KeyError(key, "expected an array of strings");
          modality.allow.push_back(item.as_string().str);
        }
      } else {
        return KeyError(key, "unknown key or wrong type");
      }
    }
    config.dicom.modalities.push_back(std::move(modality));
  }
  return Ok();
}

Status LoadTable(Config& config, const toml::value& table, const std::string& prefix) {
  for (const auto& [name, value] : table.as_table()) {
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    if (key == "dicom.modalities") {
      if (auto status = LoadModalities(config, value); !status) return status;
      continue;
    }
    if (const Field* field = FindField(key)) {
      if (auto status = SetFromToml(config, *field, value); !status) return status;
      continue;
    }
    if (value.is_table() && prefix.empty()) {
      if (auto status = LoadTable(config, value, key); !status) return status;
      continue;
    }
    return KeyError(key, "unknown setting");
  }
  return Ok();
}

Status LoadFile(Config& config, const std::filesystem::path& file) {
  // toml11 reports syntax errors by exception; they stop here.
  try {
    const auto root = toml::parse(file.string());
    return LoadTable(config, root, "");
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kInvalidArgument, "configuration file " + file.string() + ": " + e.what());
  }
}

}  // namespace

EnvironmentLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string EnvironmentName(std::string_view key) {
  std::string name = "TESSERA_";
  for (const char c : key) name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(c)));
  return name;
}

Status CheckEnvironmentNames(std::span<const std::string> names) {
  std::set<std::string> settings;
  std::set<std::string> families;
  for (const auto& field : Fields()) {
    const std::string name = EnvironmentName(field.key);
    settings.insert(name);
    const auto dot = field.key.find('.');
    if (dot != std::string_view::npos)
      families.insert(EnvironmentName(field.key.substr(0, dot + 1)));
  }
  for (const std::string& name : names) {
    if (settings.contains(name)) continue;
    for (const std::string& family : families) {
      if (name.starts_with(family)) {
        return Fail(ErrorCode::kInvalidArgument,
                    name +
                        ": no such setting (the settings and their variables are listed in "
                        "tessera.toml)");
      }
    }
  }
  return Ok();
}

Result<Config> Load(const std::optional<std::filesystem::path>& file,
                    const EnvironmentLookup& environment) {
  Config config;
  if (file) {
    if (auto status = LoadFile(config, *file); !status) return std::move(status).error();
  }
  for (const auto& field : Fields()) {
    const auto value = environment(EnvironmentName(field.key));
    if (!value) continue;
    if (auto status = SetFromText(config, field, *value); !status) {
      return Fail(ErrorCode::kInvalidArgument,
                  EnvironmentName(field.key) + " (" + status.error().message + ")");
    }
  }
  return config;
}

}  // namespace tessera::config
