#include "config/fields.h"

namespace tessera::config {

#define TESSERA_FIELD(key, help, type, member)              \
  Field {                                                   \
    key, help, +[](Config& c) -> type& { return c.member; } \
  }

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
      TESSERA_FIELD("http.trusted_proxies",
                    "Reverse proxies (IP addresses) whose X-Forwarded-For names the client, for "
                    "sign-in limits and the access log.",
                    std::vector<std::string>, http.trusted_proxies),
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
      TESSERA_FIELD("archive.min_free_mib",
                    "Free space (MiB) kept on the data folder's disk: stores are refused below "
                    "it, leaving room for the index, deletes and restarts (0: none).",
                    std::uint64_t, archive.min_free_mib),

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
      TESSERA_FIELD("dicom.max_associations_per_address",
                    "Associations served at once for one caller address (more are rejected).",
                    std::uint32_t, dicom.max_associations_per_address),
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

const Field* FindField(std::string_view key) {
  for (const auto& field : Fields()) {
    if (field.key == key) return &field;
  }
  return nullptr;
}

}  // namespace tessera::config
