#include "app/data_folder.h"

#include <cctype>
#include <cerrno>
#include <string_view>

#include "app/settings.h"
#include "archive/blob_store.h"
#include "auth/auth_files.h"
#include "auth/password_policy.h"
#include "auth/setup.h"
#include "auth/signing_key.h"
#include "base/small_file.h"
#include "base/strings.h"
#include "config/config_file.h"
#include "config/listen_address.h"
#include "config/loader.h"
#include "http/tls_certificate.h"

namespace tessera::app {
namespace {

bool Exists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

// What tessera.toml holds: the defaults, then the file already there (its
// modalities too). Never this run's environment variables or command-line
// flags: they override the file, they are not the folder's settings.
Result<config::Config> FileSettings(const config::Config& config) {
  const auto path = ConfigFileIn(config.data_dir);
  std::optional<std::filesystem::path> file;
  if (Exists(path)) file = path;
  auto settings = config::Load(file, [](std::string_view) { return std::optional<std::string>(); });
  if (!settings) return settings;
  settings->data_dir = config.data_dir;
  return settings;
}

// Writes tessera.toml unless it already says what `request` sets: an admin's
// comments survive an `init --force` that changes nothing in the file.
Status UpdateConfigFile(const config::Config& config, const SetupRequest& request) {
  auto file_settings = FileSettings(config);
  if (!file_settings) return std::move(file_settings).error();
  config::Config& file_config = *file_settings;
  bool changed = !Exists(ConfigFileIn(config.data_dir));
  const auto set = [&changed](auto& field, auto value) {
    if (field != value) changed = true;
    field = std::move(value);
  };
  set(file_config.auth.algorithm, request.jwt_algorithm);
  if (request.certificate_file) {
    set(file_config.http.certificate, std::filesystem::absolute(*request.certificate_file));
  }
  if (request.private_key_file) {
    set(file_config.http.private_key, std::filesystem::absolute(*request.private_key_file));
  }
  if (!changed) return Ok();
  return WriteFileAtomically(ConfigFileIn(config.data_dir), config::DefaultConfigFile(file_config),
                             0640);
}

// A DNS name as certificates carry them: dot-separated labels of letters,
// digits and inner hyphens ("pacs.hospital.lan"; not "Tessera PACS").
bool IsHostName(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  for (const auto label : Split(text, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
  }
  return true;
}

// A running server has the archive's BlobStore open.
bool IsServed(const std::filesystem::path& data_dir) { return archive::BlobStore::InUse(data_dir); }

// Replacing the keys under a running server would leave it signing with the old
// ones.
Status CheckNotServed(const std::filesystem::path& data_dir) {
  if (!IsServed(data_dir)) return Ok();
  return Fail(ErrorCode::kUnavailable,
              data_dir.string() + " is in use by a running server: stop it first");
}

std::filesystem::path ServedUrlFile(const std::filesystem::path& data_dir) {
  return data_dir / "server-url";
}

// A link is followed only when `follow_link`: a link inside the folder may
// point at anybody's file.
Status RemoveOthersAccess(const std::filesystem::path& path, bool follow_link) {
  using std::filesystem::perms;
  std::error_code ec;
  const auto current =
      follow_link ? std::filesystem::status(path, ec) : std::filesystem::symlink_status(path, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot read " + path.string() + ": " + ec.message());
  // Changed only when needed: a folder its owner shares with the server's group
  // may not be the server's to chmod.
  if (std::filesystem::is_symlink(current) ||
      (current.permissions() & perms::others_all) == perms::none) {
    return Ok();
  }
  std::filesystem::permissions(path, perms::others_all, std::filesystem::perm_options::remove, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot restrict " + path.string() + ": " + ec.message());
  return Ok();
}

}  // namespace

Status KeepDataFolderPrivate(const std::filesystem::path& data_dir) {
  if (auto status = RemoveOthersAccess(data_dir, /*follow_link=*/true); !status) return status;
  // What is inside too, for copies that keep the modes (cp -a, backups): the
  // entries of the folder itself and of the two folders holding secrets. Not
  // the blobs one by one: a million files at every start.
  for (const auto& folder : {data_dir, data_dir / "auth", data_dir / "tls"}) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
      if (auto status = RemoveOthersAccess(entry.path(), /*follow_link=*/false); !status) {
        return status;
      }
    }
  }
  return Ok();
}

Status RecordServedUrl(const std::filesystem::path& data_dir, std::string_view url) {
  return WriteFileAtomically(ServedUrlFile(data_dir), url, 0640);
}

std::optional<std::string> ServedUrl(const std::filesystem::path& data_dir) {
  // Read before the lock is tested: a file read after a restart could be the
  // next server's, never an earlier one's paired with a running server.
  auto url = ReadSmallFile(ServedUrlFile(data_dir));
  if (!url || url->empty() || !IsServed(data_dir)) return std::nullopt;
  return std::move(*url);
}

bool IsSetUp(const config::Config& config) { return auth::IsInitialized(config.AuthDir()); }

Status EnsureCertificate(const config::Config& config, const std::string& subject) {
  if (!config.http.tls && !config.dicom.tls) return Ok();
  const bool configured = !config.http.certificate.empty() || !config.http.private_key.empty();
  if (configured) return Ok();  // the server reports missing configured files itself
  if (Exists(config.CertificateFile()) && Exists(config.PrivateKeyFile())) return Ok();

  std::error_code ec;
  std::filesystem::create_directories(config.CertificateFile().parent_path(), ec);
  if (ec) {
    return Fail(ErrorCode::kIo, "cannot create " + config.CertificateFile().parent_path().string() +
                                    ": " + ec.message());
  }
  http::CertificateOptions options;
  options.common_name = subject;
  options.dns_names = {"localhost"};
  options.ip_addresses = {"127.0.0.1", "::1"};
  // Browsers read only the alternative names: a subject that names the host
  // must be one of them for the certificate to fit that name.
  if (config::IsIpAddress(subject)) {
    options.ip_addresses.push_back(subject);
  } else if (IsHostName(subject) && subject != "localhost") {
    options.dns_names.push_back(subject);
  }
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
  if (request.certificate_file && request.config_elsewhere) {
    return Fail(ErrorCode::kInvalidArgument,
                "with --config, set http.certificate and http.private_key in that file");
  }
  if (request.certificate_file) {
    // Found now rather than at the first start, when nobody is at the terminal.
    auto usable = http::CheckCertificatePair(*request.certificate_file, *request.private_key_file);
    if (!usable) return Fail(ErrorCode::kInvalidArgument, usable.error().message);
  }
  // What can refuse is checked before anything is written, and the auth files,
  // which IsSetUp looks for, come last: a set-up that stops half-way (a bad
  // password, a `tls` path that is a file) can simply be run again.
  if (auto status = auth::CheckPasswordPolicy(request.admin_password); !status) return status;
  if (auto algorithm = auth::ParseSigningAlgorithm(request.jwt_algorithm); !algorithm) {
    return std::move(algorithm).error();
  }
  if (request.force) {
    if (auto status = CheckNotServed(config.data_dir); !status) return status;
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot create " + config.data_dir.string() + ": " + ec.message());
  if (auto status = KeepDataFolderPrivate(config.data_dir); !status) return status;

  if (!request.certificate_file) {
    // Only the self-signed pair is replaced: configured files are the admin's.
    if (request.force && config.http.certificate.empty() && config.http.private_key.empty()) {
      std::filesystem::remove(config.CertificateFile(), ec);
      std::filesystem::remove(config.PrivateKeyFile(), ec);
    }
    if (auto status = EnsureCertificate(config, request.certificate_subject); !status) {
      return status;
    }
  }
  if (!request.config_elsewhere) {
    if (auto status = UpdateConfigFile(config, request); !status) return status;
  }

  auth::InitOptions auth_options;
  auth_options.algorithm = request.jwt_algorithm;
  auth_options.admin_password = request.admin_password;
  auth_options.force = request.force;
  return auth::InitializeAuth(config.AuthDir(), auth_options);
}

}  // namespace tessera::app
