#include "config/validate.h"

#include <set>
#include <string>

#include "base/origin.h"
#include "base/strings.h"
#include "config/fields.h"
#include "config/listen_address.h"

namespace tessera::config {
namespace {

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
  if (!IsIpAddress(address->host)) {
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
  for (const auto& proxy : http.trusted_proxies) {
    if (!IsIpAddress(proxy)) {
      return KeyError("http.trusted_proxies", "'" + proxy + "' is not an IP address");
    }
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
  if (config.archive.min_free_mib > (1ull << 40)) {
    return KeyError("archive.min_free_mib", "must be at most 1099511627776 (1 EiB)");
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
  if (dicom.max_associations_per_address == 0) {
    return KeyError("dicom.max_associations_per_address", "must be > 0");
  }
  if (dicom.max_pdu_bytes < 4096 || dicom.max_pdu_bytes > 131072) {
    return KeyError("dicom.max_pdu_bytes", "must be between 4096 and 131072");
  }
  if (dicom.association_timeout_seconds == 0) {
    return KeyError("dicom.association_timeout_seconds", "must be > 0");
  }
  if (dicom.dimse_timeout_seconds == 0)
    return KeyError("dicom.dimse_timeout_seconds", "must be > 0");
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

}  // namespace tessera::config
