#include "app/wiring.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <spdlog/spdlog.h>

#include "base/log_throttle.h"
#include "config/listen_address.h"
#include "http/client_address.h"
#include "http/tls_certificate.h"

namespace tessera::app {
namespace {

std::size_t Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

Result<std::set<dimse::Operation>> Operations(const std::vector<std::string>& names) {
  std::set<dimse::Operation> operations;
  for (const auto& name : names) {
    const auto operation = dimse::ParseOperation(name);
    if (!operation) return Fail(ErrorCode::kInvalidArgument, "unknown DICOM operation " + name);
    operations.insert(*operation);
  }
  return operations;
}

// A LogThrottle for each kind of message. Thread-safe.
class ThrottlePerKind {
 public:
  std::optional<std::uint64_t> Allow(std::string_view kind) {
    std::lock_guard lock(mutex_);
    return throttles_.try_emplace(std::string(kind), std::chrono::minutes(1)).first->second.Allow();
  }

 private:
  std::mutex mutex_;
  std::map<std::string, LogThrottle, std::less<>> throttles_;
};

}  // namespace

std::string CommandLinePublicUrl(const config::Config& config,
                                 std::optional<std::uint16_t> bound_port) {
  if (!config.http.public_url.empty()) return config.http.public_url;
  const auto address = config::ParseListenAddress(config.http.listen).value();
  std::string host = address.host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) {
    const auto lan = http::LocalIpAddresses();
    host = lan.empty() ? "localhost" : lan.front();
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(config.http.tls ? "https://" : "http://") + host + ":" +
         std::to_string(bound_port.value_or(address.port));
}

std::size_t BlockingThreads(const config::Config& config) {
  return config.http.blocking_threads != 0 ? config.http.blocking_threads : 4 * Cores();
}

http::ServerOptions ServerOptionsFrom(const config::Config& config) {
  // Validate() has checked the address already.
  const auto address = config::ParseListenAddress(config.http.listen).value();
  http::ServerOptions options;
  options.address = address.host;
  options.port = address.port;
  options.tls = config.http.tls;
  options.certificate_file = config.CertificateFile();
  options.private_key_file = config.PrivateKeyFile();
  options.max_body_bytes = config.http.max_upload_mib << 20;
  options.max_header_bytes = std::size_t{config.http.max_header_kib} << 10;
  options.idle_timeout = std::chrono::seconds(config.http.idle_timeout_seconds);
  options.request_timeout = std::chrono::seconds(config.http.request_timeout_seconds);
  options.max_connections = config.http.max_connections;
  options.max_connections_per_address = config.http.max_connections_per_address;
  options.io_threads = config.http.io_threads != 0 ? config.http.io_threads : Cores();
  options.cors.allowed_origins = config.http.allowed_origins;
  for (const auto& proxy : config.http.trusted_proxies) {
    // Validated as addresses; canonical so that they compare with peers.
    options.trusted_proxies.push_back(http::CanonicalAddress(proxy).value_or(proxy));
  }
  return options;
}

archive::ArchiveOptions ArchiveOptionsFrom(const config::Config& config) {
  archive::ArchiveOptions options;
  options.data_dir = config.data_dir;
  options.duplicates = config.archive.duplicates == "keep" ? archive::DuplicatePolicy::kKeep
                                                           : archive::DuplicatePolicy::kReplace;
  options.case_insensitive_names = config.archive.case_insensitive_names;
  options.max_query_results = static_cast<std::size_t>(config.archive.max_query_results);
  options.db_readers = std::max<std::size_t>(4, BlockingThreads(config));
  options.min_free_bytes = config.archive.min_free_mib << 20;
  options.on_index_lag = [](const archive::IndexLag& lag) {
    if (!lag.behind) {
      spdlog::info("archive: the index has caught up; every stored instance can be found again");
      return;
    }
    spdlog::error(
        "archive: cannot write the index ({}); {} stored instance(s) cannot be found until it "
        "can, and deletes are refused meanwhile; retrying every second",
        lag.error, lag.waiting);
  };
  // A failing settler fails each of its rounds (up to 20 a second) while stores go
  // on: each kind of failure is told once a minute, and one does not hide another.
  options.on_deferred_file_error =
      [throttles = std::make_shared<ThrottlePerKind>()](const archive::DeferredFileError& failure) {
        const auto held_back = throttles->Allow(failure.what);
        if (!held_back) return;
        spdlog::error("archive: {} ({}); the disk may be failing{}", failure.what,
                      failure.error.message,
                      *held_back == 0 ? "" : fmt::format(" ({} more like this since)", *held_back));
      };
  return options;
}

auth::AuthOptions AuthOptionsFrom(const config::Config& config) {
  auth::AuthOptions options;
  options.enabled = config.auth.enabled;
  options.issuer = config.auth.issuer;
  options.algorithm = config.auth.algorithm;
  options.one_off_lifetime = std::chrono::hours(config.auth.one_off_token_hours);
  options.access_lifetime = std::chrono::hours(config.auth.access_token_hours);
  options.refresh_lifetime = std::chrono::hours(24 * config.auth.refresh_token_days);
  options.public_base_url = config.http.public_url;
  options.auth_prefix = config.paths.auth;
  options.pacs_url_path = config.DicomwebPath();
  options.viewer_base_url = config.auth.viewer_url;
  options.allowed_origins = config.http.allowed_origins;
  options.auth_dir = config.AuthDir();
  return options;
}

dicomweb::DicomwebOptions DicomwebOptionsFrom(const config::Config& config) {
  dicomweb::DicomwebOptions options;
  options.prefix = config.paths.prefix;
  options.dicomweb_path = config.DicomwebPath();
  options.wado_uri_path = config.WadoUriPath();
  options.public_url = config.http.public_url;
  options.max_upload_bytes = config.http.max_upload_mib << 20;
  // A zip may expand to many times its size; bound it generously but finitely.
  options.max_zip_expanded_bytes = 16 * options.max_upload_bytes;
  return options;
}

Result<dimse::DimseOptions> DimseOptionsFrom(const config::Config& config) {
  const auto& dicom = config.dicom;
  const auto address = config::ParseListenAddress(dicom.listen).value();
  dimse::DimseOptions options;
  options.address = address.host;
  options.port = address.port;
  options.ae_title = dicom.ae_title;
  options.tls = dicom.tls;
  options.certificate_file = dicom.certificate.empty() ? config.CertificateFile() : dicom.certificate;
  options.private_key_file = dicom.private_key.empty() ? config.PrivateKeyFile() : dicom.private_key;
  options.client_ca_file = dicom.client_ca;
  options.max_associations = dicom.max_associations;
  options.max_associations_per_address = dicom.max_associations_per_address;
  options.max_pdu_bytes = dicom.max_pdu_bytes;
  options.association_timeout = std::chrono::seconds(dicom.association_timeout_seconds);
  options.dimse_timeout = std::chrono::seconds(dicom.dimse_timeout_seconds);
  options.check_called_ae_title = dicom.check_called_ae_title;
  options.check_calling_host = dicom.check_calling_host;
  auto unknown = Operations(dicom.unknown_callers_allow);
  if (!unknown) return std::move(unknown).error();
  options.unknown_callers_allow = std::move(*unknown);
  for (const auto& modality : dicom.modalities) {
    auto allowed = Operations(modality.allow);
    if (!allowed) return std::move(allowed).error();
    options.peers.push_back(dimse::KnownPeer{modality.ae_title, modality.host, modality.port,
                                             modality.tls, std::move(*allowed)});
  }
  options.commitment_folder = config.CommitmentDir();
  return options;
}

}  // namespace tessera::app
