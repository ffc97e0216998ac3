#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "config/config.h"

namespace tessera::app {

// What `tessera init` (and a first `serve`) sets up in a data folder.
struct SetupRequest {
  std::string admin_password;       // passes the password policy
  std::string jwt_algorithm = "RS256";
  std::string certificate_subject = "Tessera PACS";
  // Existing files to use instead of a self-signed certificate.
  std::optional<std::filesystem::path> certificate_file;
  std::optional<std::filesystem::path> private_key_file;
  bool force = false;
  // --config names the settings file: tessera.toml is neither written nor
  // read, and certificate files belong in that file.
  bool config_elsewhere = false;
};

// Creates the data folder (no access for others: it holds patient data), its
// commented tessera.toml, a self-signed TLS certificate (unless files are given)
// and the auth state (signing key, admin password hash). tessera.toml gets the
// defaults and what the file already says, with this request's algorithm and
// certificate: never the environment's or the command line's overrides. An
// existing file is rewritten only when one of those three differs from it (its
// other settings are kept, [[dicom.modalities]] included, its comments not).
// Errors: kAlreadyExists when the folder is set up and not `force`;
// kUnavailable when `force` and a server runs on it; kInvalidArgument (weak
// password, a certificate and key a server could not use, certificate files
// with `config_elsewhere`); kIo. What can be refused is checked
// before anything is written, and the auth state comes last: a set-up stopped
// half-way does not count as done, and running it again finishes it.
Status SetUpDataFolder(const config::Config& config, const SetupRequest& request);

// Takes every permission of "others" off the data folder, the entries directly
// in it and those in auth/ and tls/ (what an older version may have left open),
// so that only the owner and group reach the index and the files in it; leaves
// what gives them none untouched, and symbolic links alone. Errors: kIo (not the
// owner, for one).
Status KeepDataFolderPrivate(const std::filesystem::path& data_dir);

// Records the base URL a server started on `data_dir` serves (the address and
// port it bound), for ServedUrl. Errors: kIo.
Status RecordServedUrl(const std::filesystem::path& data_dir, std::string_view url);

// The base URL recorded by the server running on `data_dir`; nullopt when none
// runs there or it recorded none. The command line's links use it: that server
// may have been started with other flags than the command line sees.
std::optional<std::string> ServedUrl(const std::filesystem::path& data_dir);

// True when the folder's auth state exists (the marker of a set-up folder).
bool IsSetUp(const config::Config& config);

// Makes the self-signed certificate and key at their default places when TLS is
// on, no files are configured and none exist yet. Errors: kIo.
Status EnsureCertificate(const config::Config& config, const std::string& subject);

}  // namespace tessera::app
