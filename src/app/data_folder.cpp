#include "app/data_folder.h"

#include <fstream>

#include "app/settings.h"
#include "auth/setup.h"
#include "config/loader.h"
#include "http/tls_certificate.h"

namespace tessera::app {
namespace {

Status WriteConfigFile(const config::Config& config, const SetupRequest& request) {
  config::Config file_config = config;
  file_config.auth.algorithm = request.jwt_algorithm;
  if (request.certificate_file) {
    file_config.http.certificate = std::filesystem::absolute(*request.certificate_file);
  }
  if (request.private_key_file) {
    file_config.http.private_key = std::filesystem::absolute(*request.private_key_file);
  }
  const auto path = ConfigFileIn(config.data_dir);
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << config::DefaultConfigFile(file_config);
    if (!out) return Fail(ErrorCode::kIo, "cannot write " + temporary);
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot write " + path.string() + ": " + ec.message());
  return Ok();
}

bool Exists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace

bool IsSetUp(const config::Config& config) { return auth::IsInitialized(config.AuthDir()); }

Status EnsureCertificate(const config::Config& config, const std::string& subject) {
  if (!config.http.tls && !config.dicom.tls) return Ok();
  const bool configured = !config.http.certificate.empty() || !config.http.private_key.empty();
  if (configured) return Ok();  // the server reports missing configured files itself
  if (Exists(config.CertificateFile()) && Exists(config.PrivateKeyFile())) return Ok();

  std::error_code ec;
  std::filesystem::create_directories(config.CertificateFile().parent_path(), ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot create " + config.CertificateFile().parent_path().string());
  http::CertificateOptions options;
  options.common_name = subject;
  options.dns_names = {"localhost"};
  options.ip_addresses = {"127.0.0.1", "::1"};
  for (auto& address : http::LocalIpAddresses()) options.ip_addresses.push_back(std::move(address));
  return http::CreateSelfSignedCertificate(config.CertificateFile(), config.PrivateKeyFile(),
                                           options);
}

Status SetUpDataFolder(const config::Config& config, const SetupRequest& request) {
  if (IsSetUp(config) && !request.force) {
    return Fail(ErrorCode::kAlreadyExists,
                config.data_dir.string() + " is already set up (use --force to replace it)");
  }
  for (const auto& file : {request.certificate_file, request.private_key_file}) {
    if (file && !Exists(*file)) return Fail(ErrorCode::kInvalidArgument, file->string() + " does not exist");
  }
  if (request.certificate_file.has_value() != request.private_key_file.has_value()) {
    return Fail(ErrorCode::kInvalidArgument, "--certificate and --private-key go together");
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot create " + config.data_dir.string() + ": " + ec.message());

  auth::InitOptions auth_options;
  auth_options.algorithm = request.jwt_algorithm;
  auth_options.admin_password = request.admin_password;
  auth_options.force = request.force;
  if (auto status = auth::InitializeAuth(config.AuthDir(), auth_options); !status) return status;

  if (request.force || !Exists(ConfigFileIn(config.data_dir))) {
    if (auto status = WriteConfigFile(config, request); !status) return status;
  }
  if (request.certificate_file) return Ok();
  if (request.force) {
    std::filesystem::remove(config.CertificateFile(), ec);
    std::filesystem::remove(config.PrivateKeyFile(), ec);
  }
  return EnsureCertificate(config, request.certificate_subject);
}

}  // namespace tessera::app
