#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tessera::config {

// The whole configuration model. Defaults are a working single-machine set-up;
// every scalar key can be set in the TOML file, overridden by an environment
// variable (TESSERA_<SECTION>_<KEY>, e.g. TESSERA_HTTP_LISTEN) and some by flags.

struct HttpConfig {
  std::string listen = "0.0.0.0:8443";
  bool tls = true;
  // Empty: <data>/tls/server.crt and server.key, created on first start.
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  // The URL clients use to reach this server, e.g. "https://pacs.clinic.lan:8443";
  // empty: taken from each request's Host header.
  std::string public_url;
  std::uint64_t max_upload_mib = 2000;
  std::uint32_t max_header_kib = 64;
  std::uint32_t idle_timeout_seconds = 60;
  std::uint32_t request_timeout_seconds = 300;
  std::uint32_t max_connections = 4096;
  std::uint32_t max_connections_per_address = 256;
  std::uint32_t io_threads = 0;        // 0: one per core
  std::uint32_t blocking_threads = 0;  // 0: four per core
  std::vector<std::string> allowed_origins = {"https://*.zhiva.ai", "http://localhost:*",
                                              "https://localhost:*"};
  std::vector<std::string> trusted_proxies;  // IP addresses whose X-Forwarded-For is believed
};

struct PathsConfig {
  std::string prefix = "/zhiva";        // everything archive-related lives under it
  std::string dicomweb_root = "/pacs";  // inside the prefix: /zhiva/pacs/studies
  std::string app = "/app";             // inside the prefix: /zhiva/app/explorer.html
  std::string wado_uri = "/wado";       // inside the prefix: /zhiva/wado?requestType=WADO
  std::string auth = "/auth";           // not under the prefix
};

struct ArchiveConfig {
  std::string duplicates = "replace";  // "replace" or "keep"
  bool case_insensitive_names = true;
  // The most matches one QIDO-RS, C-FIND, C-MOVE or C-GET query holds; 0: no maximum. A
  // million studies' JSON is gigabytes, built in memory before it is sent.
  std::uint64_t max_query_results = 100000;
  // Free space kept on the data folder's file system: stores are refused (HTTP
  // 507, DIMSE A700) below it, so that the index, deletes and a restart always
  // have room. 0: only a full disk refuses.
  std::uint64_t min_free_mib = 1024;
};

struct AuthConfig {
  bool enabled = true;
  std::string issuer = "tessera";
  std::string algorithm = "RS256";  // or "ES256"; the key is made by `tessera init`
  std::uint32_t one_off_token_hours = 24;
  std::uint32_t access_token_hours = 24;
  std::uint32_t refresh_token_days = 30;
  // Base of the direct login link https://<viewer>/auth/oauth?token=...
  std::string viewer_url;
};

struct Modality {
  std::string ae_title;
  std::string host;
  std::uint16_t port = 104;
  bool tls = false;
  std::vector<std::string> allow = {"echo", "store", "find", "move", "get"};
};

struct DicomConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:4242";
  std::string ae_title = "TESSERA";
  bool tls = false;
  // Empty: the HTTPS certificate and key.
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::filesystem::path client_ca;  // non-empty: callers must present a certificate it signed
  std::uint32_t max_associations = 32;
  std::uint32_t max_associations_per_address = 8;
  std::uint32_t max_pdu_bytes = 116794;
  std::uint32_t association_timeout_seconds = 30;
  std::uint32_t dimse_timeout_seconds = 60;
  bool check_called_ae_title = true;
  bool check_calling_host = true;
  std::vector<std::string> unknown_callers_allow = {"echo", "store"};
  std::vector<Modality> modalities;
};

struct ExplorerConfig {
  // "Open in viewer" link, e.g. "https://viewer.lan/viewer?StudyInstanceUIDs={study}".
  std::string viewer_url_template;
  // A folder holding an OHIF build, served under <prefix>/viewer/ when set.
  std::filesystem::path viewer_dir;
};

struct Config {
  std::filesystem::path data_dir = "data";
  std::string log_level = "info";
  HttpConfig http;
  PathsConfig paths;
  ArchiveConfig archive;
  AuthConfig auth;
  DicomConfig dicom;
  ExplorerConfig explorer;

  std::filesystem::path CertificateFile() const;
  std::filesystem::path PrivateKeyFile() const;
  std::filesystem::path AuthDir() const { return data_dir / "auth"; }
  // Storage commitment requests not reported yet (dimse::CommitmentStore).
  std::filesystem::path CommitmentDir() const { return data_dir / "commitments"; }
  std::string DicomwebPath() const { return paths.prefix + paths.dicomweb_root; }
  std::string AppPath() const { return paths.prefix + paths.app; }
  std::string WadoUriPath() const { return paths.prefix + paths.wado_uri; }
};

}  // namespace tessera::config
