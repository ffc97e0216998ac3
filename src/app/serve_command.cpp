#include "app/serve_command.h"

#include <algorithm>
#include <csignal>
#include <iostream>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "app/data_folder.h"
#include "app/explorer_routes.h"
#include "app/health_route.h"
#include "app/open_files.h"
#include "app/viewer_routes.h"
#include "app/wiring.h"
#include "archive/archive.h"
#include "auth/auth_service.h"
#include "auth/setup.h"
#include "base/allocator.h"
#include "base/clock.h"
#include "dicom/attribute_dictionary.h"
#include "dicom/codecs.h"
#include "dicom/dcmtk_logging.h"
#include "dicomweb/dicomweb_service.h"
#include "dimse/dicom_service.h"
#include "http/blocking_pool.h"
#include "http/server.h"
#include "web/assets.h"

namespace tessera::app {
namespace {

int Failed(std::string_view what, const Error& error) {
  spdlog::critical("{}: {}", what, error.message);
  if (error.code == ErrorCode::kStorageFull) {
    spdlog::critical(
        "the file system holding the data folder is full: free space there and "
        "start again (nothing stored is lost)");
  }
  return 1;
}

// A first start on a folder nobody set up: do what `tessera init` would, with a
// generated admin password shown once, so that one command gets a working server.
Status SetUpOnFirstStart(const config::Config& config, bool config_elsewhere) {
  if (IsSetUp(config)) return Ok();
  SetupRequest request;
  request.admin_password = auth::GeneratePassword();
  request.jwt_algorithm = config.auth.algorithm;
  request.config_elsewhere = config_elsewhere;
  if (auto status = SetUpDataFolder(config, request); !status) return status;
  std::cout << "\nTessera set up " << config.data_dir.string() << ".\n";
  if (::isatty(STDOUT_FILENO) == 1) {
    std::cout << "Admin password (shown once; change it with `tessera admin-password`): "
              << request.admin_password << "\n\n"
              << std::flush;
    return Ok();
  }
  // Not a terminal: a service's journal or a log file, which keeps what it gets.
  auto kept = auth::WriteInitialAdminPassword(config.AuthDir(), request.admin_password);
  if (!kept) {
    return Fail(kept.error().code, kept.error().message +
                                       "; the generated admin password is lost: set one with "
                                       "`tessera admin-password`");
  }
  std::cout << "The admin password is in " << kept->string()
            << " (for this account only); `tessera admin-password` changes it and removes "
               "the file.\n\n"
            << std::flush;
  return Ok();
}

}  // namespace

int RunServe(const CommonFlags& flags) {
  auto settings = LoadSettings(flags);
  if (!settings) return Failed("configuration", settings.error());
  const config::Config& config = *settings;
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  dicom::ConfigureDcmtkLogging(config.log_level == "debug" || config.log_level == "trace");
  // Peers that hang up mid-write must cost a connection, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  const std::size_t open_files = RaiseOpenFileLimit();
  TuneAllocator();

  if (auto status = SetUpOnFirstStart(config, flags.config_file.has_value()); !status)
    return Failed("set-up", status.error());
  // Folders set up by an earlier version (or by hand) may still be open to all.
  if (auto status = KeepDataFolderPrivate(config.data_dir); !status) {
    spdlog::warn("data folder: {}; other users of this machine can read the index",
                 status.error().message);
  }
  if (auto status = EnsureCertificate(config, "Tessera PACS"); !status) {
    return Failed("TLS certificate", status.error());
  }
  if (auto status = dicom::EnsureDataDictionary(); !status) {
    return Failed("DICOM dictionary", status.error());
  }
  const dicom::CodecRegistry codecs;

  auto archive = archive::Archive::Open(ArchiveOptionsFrom(config));
  if (!archive) return Failed("archive", archive.error());
  if (const auto& recovered = (*archive)->recovery();
      recovered.indexed + recovered.settled + recovered.removed != 0) {
    spdlog::warn(
        "archive: the last run did not stop cleanly; recovered {} stored instance(s) whose "
        "index rows were missing, settled {} more, removed {} file(s) of instances not stored",
        recovered.indexed, recovered.settled, recovered.removed);
  }
  if (auto room = (*archive)->CheckRoom(); !room) {
    spdlog::warn("archive: {}; nothing more can be stored until space is freed",
                 room.error().message);
  }

  const SystemClock clock;
  auto auth = auth::AuthService::Open(AuthOptionsFrom(config), clock);
  if (!auth) return Failed("auth", auth.error());

  http::BlockingPool pool(BlockingThreads(config));
  http::Router router;
  dicomweb::DicomwebService dicomweb(**archive, pool, DicomwebOptionsFrom(config));
  dicomweb.RegisterRoutes(router);
  auto pages = auth::AuthPagesFrom(web::Assets());
  if (!pages) return Failed("auth pages", pages.error());
  (*auth)->RegisterRoutes(router, pool, *pages);
  RegisterExplorerRoutes(router, config, web::Assets());
  RegisterHealthRoute(router, config, **archive);
  if (auto status = RegisterViewerRoutes(router, config, pool); !status) {
    return Failed("viewer", status.error());
  }

  std::unique_ptr<dimse::DicomService> dicom_service;
  if (config.dicom.enabled) {
    auto options = DimseOptionsFrom(config);
    if (!options) return Failed("DICOM service", options.error());
    auto started = dimse::DicomService::Start(std::move(*options), **archive);
    if (!started) return Failed("DICOM service", started.error());
    dicom_service = std::move(*started);  // it logs its address, the port bound included
  }

  http::ServerOptions server_options = ServerOptionsFrom(config);
  // Half the descriptors at most: stored files, blobs being read, database
  // readers and DICOM associations need the rest.
  const std::size_t connection_room = std::max<std::size_t>(1, open_files / 2);
  if (server_options.max_connections > connection_room) {
    spdlog::warn("http.max_connections lowered from {} to {}: the open-file limit is {}",
                 server_options.max_connections, connection_room, open_files);
    server_options.max_connections = connection_room;
    server_options.max_connections_per_address =
        std::min(server_options.max_connections_per_address, connection_room);
  }
  const std::string host = server_options.address;
  http::Server server(std::move(server_options), router, (*auth)->guard());
  if (auto status = server.Start(); !status) return Failed("HTTP server", status.error());
  // The port bound, which differs from the configured one when that is 0.
  spdlog::info("{} listening on {}:{} (explorer: {}/explorer.html, DICOMweb: {}){}",
               config.http.tls ? "HTTPS" : "HTTP",
               host.find(':') == std::string::npos ? host : "[" + host + "]", server.port(),
               config.AppPath(), config.DicomwebPath(),
               config.auth.enabled ? "" : " — auth DISABLED");
  if (auto status = RecordServedUrl(config.data_dir, CommandLinePublicUrl(config, server.port()));
      !status) {
    spdlog::warn("links printed by `tessera token issue` may name another address: {}",
                 status.error().message);
  }
  server.Run();

  spdlog::info("shutting down");
  if (dicom_service) dicom_service->Stop();
  pool.Stop();
  return 0;
}

}  // namespace tessera::app
