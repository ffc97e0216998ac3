#include "config/loader.h"

#include <cstdlib>
#include <exception>
#include <set>
#include <sstream>
#include <variant>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <toml.hpp>

#include "base/origin.h"
#include "base/strings.h"
#include "config/listen_address.h"

namespace tessera::config {
namespace {

// Each configurable scalar is one row here: its key, its help text (written into
// the default file) and where it lives in Config. Loading from TOML, from the
// environment and writing the default file all walk this one table.
using StringRef = std::string& (*)(Config&);
using PathRef = std::filesystem::path& (*)(Config&);
using BoolRef = bool& (*)(Config&);
using U16Ref = std::uint16_t& (*)(Config&);
using U32Ref = std::uint32_t& (*)(Config&);
using U64Ref = std::uint64_t& (*)(Config&);
using ListRef = std::vector<std::string>& (*)(Config&);
using FieldRef = std::variant<StringRef, PathRef, BoolRef, U16Ref, U32Ref, U64Ref, ListRef>;

struct Field {
  std::string_view key;
  std::string_view help;
  FieldRef ref;
};

#define TESSERA_FIELD(key, help, type, member) \
  Field { key, help, +[](Config& c) -> type& { return c.member; } }

const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = {
      TESSERA_FIELD("data_dir",
                    "Folder holding the index, the stored files, keys and certificates.",
                    std::filesystem::path, data_dir),
      TESSERA_FIELD("log_level", "trace, debug, info, warn or error.", std::string, log_level),

      TESSERA_FIELD("http.listen", "Address and port of the HTTPS server.", std::string,
                    http.listen),
      TESSERA_FIELD("http.tls", "false serves plain HTTP (tests, or behind a TLS proxy).", bool,
                    http.tls),
      TESSERA_FIELD("http.certificate",
                    "PEM certificate chain; empty: <data_dir>/tls/server.crt, made on first start.",
                    std::filesystem::path, http.certificate),
      TESSERA_FIELD("http.private_key", "PEM private key; empty: <data_dir>/tls/server.key.",
                    std::filesystem::path, http.private_key),
      TESSERA_FIELD("http.public_url",
                    "URL clients reach this server at, e.g. https://pacs.lan:8443; empty: from "
                    "each request's Host header.",
                    std::string, http.public_url),
      TESSERA_FIELD("http.max_upload_mib", "Largest request body accepted (413 above).",
                    std::uint64_t, http.max_upload_mib),
      TESSERA_FIELD("http.max_header_kib", "Largest request header block accepted (431 above).",
                    std::uint32_t, http.max_header_kib),
      TESSERA_FIELD("http.idle_timeout_seconds",
                    "Connections, new or kept alive, that send no request header for this long "
                    "are closed.",
                    std::uint32_t, http.idle_timeout_seconds),
      TESSERA_FIELD("http.request_timeout_seconds",
                    "Longest wait for the next piece of a request's body or of a response.",
                    std::uint32_t, http.request_timeout_seconds),
      TESSERA_FIELD("http.max_connections",
                    "Connections held at once; more are closed as they arrive (also capped by "
                    "half the process's open-file limit).",
                    std::uint32_t, http.max_connections),
      TESSERA_FIELD("http.max_connections_per_address",
                    "Connections held at once from one client address (an IPv6 /64).",
                    std::uint32_t, http.max_connections_per_address),
      TESSERA_FIELD("http.io_threads", "Network threads; 0: one per core.", std::uint32_t,
                    http.io_threads),
      TESSERA_FIELD("http.blocking_threads",
                    "Threads for disk, database and image work; 0: four per core.", std::uint32_t,
                    http.blocking_threads),
      TESSERA_FIELD("http.allowed_origins",
                    "Browser origins allowed to call the server (CORS); '*' wildcards, e.g. "
                    "https://*.zhiva.ai.",
                    std::vector<std::string>, http.allowed_origins),

      TESSERA_FIELD("paths.prefix", "URL prefix of everything archive-related.", std::string,
                    paths.prefix),
      TESSERA_FIELD("paths.dicomweb_root", "DICOMweb root inside the prefix.", std::string,
                    paths.dicomweb_root),
      TESSERA_FIELD("paths.app", "Explorer pages inside the prefix.", std::string, paths.app),
      TESSERA_FIELD("paths.wado_uri", "WADO-URI endpoint inside the prefix.", std::string,
                    paths.wado_uri),
      TESSERA_FIELD("paths.auth", "URL prefix of the auth API and pages.", std::string, paths.auth),

      TESSERA_FIELD("archive.duplicates",
                    "An instance re-sent with a stored SOP Instance UID: replace or keep.",
                    std::string, archive.duplicates),
      TESSERA_FIELD("archive.case_insensitive_names",
                    "Match person names (PatientName, ...) case-insensitively.", bool,
                    archive.case_insensitive_names),
      TESSERA_FIELD("archive.max_query_results",
                    "The most matches one query answer holds (0: no maximum). QIDO-RS returns "
                    "the first ones with a Warning; C-FIND, C-MOVE and C-GET refuse the query.",
                    std::uint64_t, archive.max_query_results),

      TESSERA_FIELD("auth.enabled", "false lets every request through (only behind another guard).",
                    bool, auth.enabled),
      TESSERA_FIELD("auth.issuer", "The iss claim of issued tokens.", std::string, auth.issuer),
      TESSERA_FIELD("auth.algorithm", "JWT signature algorithm: RS256 or ES256 (set at init).",
                    std::string, auth.algorithm),
      TESSERA_FIELD("auth.one_off_token_hours", "Life of an unused one-off login token.",
                    std::uint32_t, auth.one_off_token_hours),
      TESSERA_FIELD("auth.access_token_hours", "Life of an access token.", std::uint32_t,
                    auth.access_token_hours),
      TESSERA_FIELD("auth.refresh_token_days", "Life of a refresh token.", std::uint32_t,
                    auth.refresh_token_days),
      TESSERA_FIELD("auth.viewer_url",
                    "Viewer base URL of direct login links (<viewer_url>/auth/oauth?token=...).",
                    std::string, auth.viewer_url),

      TESSERA_FIELD("dicom.enabled", "Run the DICOM network service (C-ECHO/STORE/FIND/MOVE/GET).",
                    bool, dicom.enabled),
      TESSERA_FIELD("dicom.listen", "Address and port of the DICOM service.", std::string,
                    dicom.listen),
      TESSERA_FIELD("dicom.ae_title", "This archive's AE title.", std::string, dicom.ae_title),
      TESSERA_FIELD("dicom.tls", "DICOM TLS on the DICOM port.", bool, dicom.tls),
      TESSERA_FIELD("dicom.certificate", "PEM certificate for DICOM TLS; empty: the HTTPS one.",
                    std::filesystem::path, dicom.certificate),
      TESSERA_FIELD("dicom.private_key", "PEM key for DICOM TLS; empty: the HTTPS one.",
                    std::filesystem::path, dicom.private_key),
      TESSERA_FIELD("dicom.client_ca",
                    "When set, DICOM TLS callers must present a certificate signed by this CA.",
                    std::filesystem::path, dicom.client_ca),
      TESSERA_FIELD("dicom.max_associations", "Associations served at once.", std::uint32_t,
                    dicom.max_associations),
      TESSERA_FIELD("dicom.max_pdu_bytes", "Largest PDU received.", std::uint32_t,
                    dicom.max_pdu_bytes),
      TESSERA_FIELD("dicom.association_timeout_seconds", "Association negotiation timeout.",
                    std::uint32_t, dicom.association_timeout_seconds),
      TESSERA_FIELD("dicom.dimse_timeout_seconds", "Wait for the next DIMSE message.",
                    std::uint32_t, dicom.dimse_timeout_seconds),
      TESSERA_FIELD("dicom.check_called_ae_title", "Refuse associations addressed to another AE.",
                    bool, dicom.check_called_ae_title),
      TESSERA_FIELD("dicom.check_calling_host",
                    "Known modalities must call from their configured host (an AE title is no "
                    "secret: without this, anyone may call with a known one).",
                    bool, dicom.check_calling_host),
      TESSERA_FIELD("dicom.unknown_callers_allow",
                    "What AE titles not listed in [[dicom.modalities]] may do: echo, store, find, "
                    "move, get (their stores never replace a stored instance).",
                    std::vector<std::string>, dicom.unknown_callers_allow),

      TESSERA_FIELD("explorer.viewer_url_template",
                    "'Open in viewer' link; {study} is replaced by the Study Instance UID.",
                    std::string, explorer.viewer_url_template),
      TESSERA_FIELD("explorer.viewer_dir",
                    "Folder with an OHIF build to serve under <prefix>/viewer/ (empty: none).",
                    std::filesystem::path, explorer.viewer_dir),
  };
  return fields;
}

#undef TESSERA_FIELD

Error KeyError(std::string_view key, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::string(key) + ": " + std::move(message));
}

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

const Field* FindField(std::string_view key) {
  for (const auto& field : Fields()) {
    if (field.key == key) return &field;
  }
  return nullptr;
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

// --- validation ------------------------------------------------------------

bool IsUrlPath(std::string_view path, bool allow_empty) {
  if (path.empty()) return allow_empty;
  if (path.front() != '/' || path.back() == '/') return false;
  for (const char c : path) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
    if (!ok) return false;
  }
  return path.find("//") == std::string_view::npos && path.find("/.") == std::string_view::npos;
}

bool IsAeTitle(std::string_view ae) {
  if (ae.empty() || ae.size() > 16 || Trim(ae).empty()) return false;
  for (const char c : ae) {
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      return false;
    }
  }
  return true;
}

Status ValidateOperations(std::string_view key, const std::vector<std::string>& operations) {
  static const std::set<std::string, std::less<>> kOperations = {"echo", "store", "find", "move",
                                                                 "get"};
  for (const auto& op : operations) {
    if (!kOperations.contains(op)) {
      return KeyError(key, "unknown operation '" + op + "' (echo, store, find, move, get)");
    }
  }
  return Ok();
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

Status Validate(const Config& config) {
  static const std::set<std::string, std::less<>> kLogLevels = {"trace", "debug", "info", "warn",
                                                                "error"};
  if (config.data_dir.empty()) return KeyError("data_dir", "must not be empty");
  if (!kLogLevels.contains(config.log_level)) {
    return KeyError("log_level", "expected trace, debug, info, warn or error");
  }

  const auto& http = config.http;
  auto address = ParseListenAddress(http.listen);
  if (!address) return KeyError("http.listen", address.error().message);
  // The HTTP server binds an address, not a name: said here, before anything listens.
  if (in6_addr ip{}; ::inet_pton(AF_INET, address->host.c_str(), &ip) != 1 &&
                     ::inet_pton(AF_INET6, address->host.c_str(), &ip) != 1) {
    return KeyError("http.listen",
                    "expected an IP address (such as 0.0.0.0), got '" + address->host + "'");
  }
  if (http.tls) {
    for (const auto& [key, file] : {std::pair{"http.certificate", &http.certificate},
                                    std::pair{"http.private_key", &http.private_key}}) {
      std::error_code ec;
      if (!file->empty() && !std::filesystem::is_regular_file(*file, ec)) {
        return KeyError(key, "no such file: " + file->string());
      }
    }
  }
  if (http.max_upload_mib == 0 || http.max_upload_mib > (1ull << 24)) {
    return KeyError("http.max_upload_mib", "must be between 1 and 16777216");
  }
  if (http.max_header_kib < 1 || http.max_header_kib > 1024) {
    return KeyError("http.max_header_kib", "must be between 1 and 1024");
  }
  if (http.idle_timeout_seconds == 0) return KeyError("http.idle_timeout_seconds", "must be > 0");
  if (http.request_timeout_seconds == 0) {
    return KeyError("http.request_timeout_seconds", "must be > 0");
  }
  if (http.max_connections == 0) return KeyError("http.max_connections", "must be > 0");
  if (http.max_connections_per_address == 0 ||
      http.max_connections_per_address > http.max_connections) {
    return KeyError("http.max_connections_per_address",
                    "must be between 1 and http.max_connections");
  }
  if (!http.public_url.empty() && !http.public_url.starts_with("http://") &&
      !http.public_url.starts_with("https://")) {
    return KeyError("http.public_url", "expected an http:// or https:// URL");
  }
  for (const auto& origin : http.allowed_origins) {
    if (!IsAllowedOriginEntry(origin)) {
      return KeyError("http.allowed_origins", "'" + origin +
                                                  "' is not an origin like https://*.example.org, "
                                                  "\"null\" or \"*\"");
    }
  }

  const auto& paths = config.paths;
  if (!IsUrlPath(paths.prefix, true)) {
    return KeyError("paths.prefix", "expected a path like /zhiva (or empty)");
  }
  const std::pair<std::string_view, const std::string*> inner_paths[] = {
      {"paths.dicomweb_root", &paths.dicomweb_root},
      {"paths.app", &paths.app},
      {"paths.wado_uri", &paths.wado_uri},
      {"paths.auth", &paths.auth}};
  for (const auto& [key, value] : inner_paths) {
    if (!IsUrlPath(*value, false)) return KeyError(key, "expected a path like /pacs");
  }
  // The router would give one of two nested paths' requests to the other (QIDO
  // answering WADO-URI's), so each must stand apart, whole segments compared.
  const std::pair<std::string_view, std::string> served[] = {
      {"paths.dicomweb_root", config.DicomwebPath()},
      {"paths.app", config.AppPath()},
      {"paths.wado_uri", config.WadoUriPath()},
      {"paths.auth", paths.auth}};
  const auto within = [](std::string_view inner, std::string_view outer) {
    return inner == outer || (inner.starts_with(outer) && inner[outer.size()] == '/');
  };
  for (std::size_t i = 0; i < std::size(served); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const auto& [key, path] = served[i];
      const auto& [other_key, other_path] = served[j];
      if (within(path, other_path) || within(other_path, path)) {
        return KeyError(key, "serves " + path + ", which overlaps " + std::string(other_key) +
                                 " (" + other_path + "); give each its own path");
      }
    }
  }

  if (config.archive.duplicates != "replace" && config.archive.duplicates != "keep") {
    return KeyError("archive.duplicates", "expected replace or keep");
  }

  const auto& auth = config.auth;
  if (auth.algorithm != "RS256" && auth.algorithm != "ES256") {
    return KeyError("auth.algorithm", "expected RS256 or ES256");
  }
  if (auth.issuer.empty()) return KeyError("auth.issuer", "must not be empty");
  if (auth.one_off_token_hours == 0) return KeyError("auth.one_off_token_hours", "must be > 0");
  if (auth.access_token_hours == 0) return KeyError("auth.access_token_hours", "must be > 0");
  if (auth.refresh_token_days == 0) return KeyError("auth.refresh_token_days", "must be > 0");

  const auto& dicom = config.dicom;
  auto dicom_address = ParseListenAddress(dicom.listen);
  if (!dicom_address) return KeyError("dicom.listen", dicom_address.error().message);
  // Else the second to bind says "Address already in use", as if another
  // program held the port.
  // "::" takes IPv4 too (dual stack); "0.0.0.0" only its own family.
  const auto overlap = [](const std::string& a, const std::string& b) {
    const auto ipv6 = [](const std::string& host) { return host.find(':') != std::string::npos; };
    return a == b || a == "::" || b == "::" ||
           ((a == "0.0.0.0" || b == "0.0.0.0") && ipv6(a) == ipv6(b));
  };
  if (dicom.enabled && dicom_address->port != 0 && dicom_address->port == address->port &&
      overlap(dicom_address->host, address->host)) {
    return KeyError("dicom.listen", "uses port " + std::to_string(address->port) +
                                        ", which http.listen has already");
  }
  if (!IsAeTitle(dicom.ae_title)) {
    return KeyError("dicom.ae_title", "expected 1-16 printable characters without '\\'");
  }
  if (dicom.max_associations == 0) return KeyError("dicom.max_associations", "must be > 0");
  if (dicom.max_pdu_bytes < 4096 || dicom.max_pdu_bytes > 131072) {
    return KeyError("dicom.max_pdu_bytes", "must be between 4096 and 131072");
  }
  if (dicom.association_timeout_seconds == 0) {
    return KeyError("dicom.association_timeout_seconds", "must be > 0");
  }
  if (dicom.dimse_timeout_seconds == 0) return KeyError("dicom.dimse_timeout_seconds", "must be > 0");
  if (auto status = ValidateOperations("dicom.unknown_callers_allow", dicom.unknown_callers_allow);
      !status) {
    return status;
  }
  std::set<std::string> titles;
  for (const auto& modality : dicom.modalities) {
    if (!IsAeTitle(modality.ae_title)) {
      return KeyError("dicom.modalities.ae_title",
                      "'" + modality.ae_title + "' is not a valid AE title");
    }
    if (!titles.insert(modality.ae_title).second) {
      return KeyError("dicom.modalities.ae_title", "'" + modality.ae_title + "' is listed twice");
    }
    if (modality.host.empty()) {
      return KeyError("dicom.modalities.host", "missing for '" + modality.ae_title + "'");
    }
    if (auto status = ValidateOperations("dicom.modalities.allow", modality.allow); !status) {
      return status;
    }
  }

  const auto& explorer = config.explorer;
  if (!explorer.viewer_url_template.empty() &&
      !(explorer.viewer_url_template.starts_with("http://") ||
        explorer.viewer_url_template.starts_with("https://") ||
        explorer.viewer_url_template.starts_with("/"))) {
    return KeyError("explorer.viewer_url_template", "expected an absolute URL or a path");
  }
  return Ok();
}

// --- the default file --------------------------------------------------------

static std::string TomlString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string DefaultConfigFile(const Config& defaults) {
  Config config = defaults;
  std::ostringstream out;
  out << "# Tessera configuration. Every key can also be set with an environment variable\n"
         "# named TESSERA_<SECTION>_<KEY> (e.g. TESSERA_HTTP_LISTEN), which wins over this file.\n";
  std::string section;
  for (const auto& field : Fields()) {
    const auto dot = field.key.find('.');
    const std::string field_section =
        dot == std::string_view::npos ? "" : std::string(field.key.substr(0, dot));
    const auto name = dot == std::string_view::npos ? field.key : field.key.substr(dot + 1);
    if (field_section != section) {
      section = field_section;
      out << "\n[" << section << "]\n";
    }
    out << "\n# " << field.help << "\n" << name << " = ";
    std::visit(
        [&](auto ref) {
          const auto& value = ref(config);
          using T = std::remove_cvref_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out << TomlString(value);
          } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
            out << TomlString(value.string());
          } else if constexpr (std::is_same_v<T, bool>) {
            out << (value ? "true" : "false");
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            out << "[";
            for (std::size_t i = 0; i < value.size(); ++i) {
              out << (i ? ", " : "") << TomlString(value[i]);
            }
            out << "]";
          } else {
            out << static_cast<std::uint64_t>(value);
          }
        },
        field.ref);
    out << "\n";
  }
  out << "\n# Known DICOM peers (C-MOVE destinations and callers with more rights), e.g.\n"
         "# [[dicom.modalities]]\n"
         "# ae_title = \"WORKSTATION\"\n"
         "# host = \"192.168.1.20\"\n"
         "# port = 104\n"
         "# tls = false\n"
         "# allow = [\"echo\", \"store\", \"find\", \"move\", \"get\"]\n";
  for (const Modality& modality : config.dicom.modalities) {
    out << "\n[[dicom.modalities]]\nae_title = " << TomlString(modality.ae_title)
        << "\nhost = " << TomlString(modality.host) << "\nport = " << modality.port
        << "\ntls = " << (modality.tls ? "true" : "false") << "\nallow = [";
    for (std::size_t i = 0; i < modality.allow.size(); ++i) {
      out << (i ? ", " : "") << TomlString(modality.allow[i]);
    }
    out << "]\n";
  }
  return out.str();
}

}  // namespace tessera::config
