#include "app/admin_commands.h"

#include <cstdlib>
#include <iostream>
#include <utility>

#include "app/backup.h"
#include "app/data_folder.h"
#include "app/wiring.h"
#include "auth/admin_commands.h"
#include "auth/password_policy.h"
#include "auth/setup.h"
#include "base/clock.h"
#include "base/strings.h"

namespace tessera::app {
namespace {

int Report(const Error& error) {
  std::cerr << "tessera: " << error.message << "\n";
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kAlreadyExists ? 2
                                                                                              : 1;
}

std::optional<std::string> Environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// A new password from (in order) a file, an environment variable, or the
// terminal, asked twice. Checked against the password policy.
Result<std::string> NewPassword(const std::optional<std::filesystem::path>& file,
                                const char* environment_name, std::string_view what) {
  std::string password;
  if (file) {
    auto read = auth::ReadPasswordFile(*file);
    if (!read) return read;
    password = std::move(*read);
  } else if (auto from_env = Environment(environment_name)) {
    // As from a file: `$(cat file)` keeps no newline, but "$VAR" set from one may.
    password = std::string(TrimRight(*from_env, "\r\n"));
  } else {
    auto first = auth::ReadPasswordFromTerminal("New " + std::string(what) + " password: ");
    if (!first) {
      return Fail(first.error().code, first.error().message + " (set " + environment_name +
                                          " or pass a password file)");
    }
    auto second = auth::ReadPasswordFromTerminal("Repeat it: ");
    if (!second) return second;
    if (*first != *second) return Fail(ErrorCode::kInvalidArgument, "the passwords differ");
    password = std::move(*first);
  }
  if (auto status = auth::CheckPasswordPolicy(password); !status) return std::move(status).error();
  return password;
}

// `text` as one word for a POSIX shell: as it is when that is safe, else in
// single quotes.
std::string ShellWord(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_-./=:@%+,") == std::string::npos;
  if (plain) return text;
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// `tessera <command>` as the user can paste it to act on the same folder with
// the same settings file.
std::string CommandFor(const CommonFlags& common, const config::Config& settings,
                       std::string_view command) {
  std::string line =
      "tessera " + std::string(command) + " --data " + ShellWord(settings.data_dir.string());
  if (common.config_file) line += " --config " + ShellWord(common.config_file->string());
  return line;
}

// Settings that must belong to a set-up folder.
Result<config::Config> SetUpSettings(const CommonFlags& common) {
  auto settings = LoadSettings(common);
  if (!settings) return settings;
  if (!IsSetUp(*settings)) {
    return Fail(ErrorCode::kNotFound, settings->data_dir.string() +
                                          " is not set up yet: run `tessera init` first");
  }
  return settings;
}

}  // namespace

int RunInit(const CommonFlags& common, const InitFlags& flags) {
  auto settings = LoadSettings(common);
  if (!settings) return Report(settings.error());
  if (IsSetUp(*settings) && !flags.force) {
    return Report(Error{ErrorCode::kAlreadyExists,
                      settings->data_dir.string() + " is already set up (use --force to replace "
                                                    "its keys, certificate and admin password)"});
  }
  auto password = NewPassword(flags.admin_password_file, "TESSERA_ADMIN_PASSWORD", "admin");
  if (!password) return Report(password.error());

  SetupRequest request;
  request.admin_password = std::move(*password);
  request.jwt_algorithm = flags.jwt_algorithm.value_or(settings->auth.algorithm);
  if (common.config_file && request.jwt_algorithm != settings->auth.algorithm) {
    // Nothing would record it: the server would find a key of another kind.
    return Report(Error{ErrorCode::kInvalidArgument,
                        "with --config, set auth.algorithm = \"" + request.jwt_algorithm +
                            "\" in " + common.config_file->string() + " instead"});
  }
  request.certificate_subject = flags.subject;
  request.certificate_file = flags.certificate_file;
  request.private_key_file = flags.private_key_file;
  request.force = flags.force;
  request.config_elsewhere = common.config_file.has_value();
  if (auto status = SetUpDataFolder(*settings, request); !status) return Report(status.error());
  std::cout
      << "Set up " << settings->data_dir.string() << ": configuration in "
      << common.config_file.value_or(ConfigFileIn(settings->data_dir)).string()
      << ", certificate in "
      << (flags.certificate_file ? *flags.certificate_file : settings->CertificateFile()).string()
      << ".\nStart the server with: " << CommandFor(common, *settings, "serve") << "\n";
  return 0;
}

int RunAdminPassword(const CommonFlags& common,
                     const std::optional<std::filesystem::path>& password_file) {
  auto settings = SetUpSettings(common);
  if (!settings) return Report(settings.error());
  auto password = NewPassword(password_file, "TESSERA_ADMIN_PASSWORD", "admin");
  if (!password) return Report(password.error());
  if (auto status = auth::SetAdminPassword(settings->AuthDir(), *password); !status) {
    return Report(status.error());
  }
  std::cout << "The admin password is changed.\n";
  return 0;
}

int RunUserAdd(const CommonFlags& common, const UserFlags& flags) {
  auto settings = SetUpSettings(common);
  if (!settings) return Report(settings.error());
  auth::AddUserOptions options;
  options.username = flags.username;
  options.name = flags.name;
  options.can_edit = flags.can_edit;
  // A password only when one is given: token-only users are common (viewer links).
  if (flags.password_file || Environment("TESSERA_USER_PASSWORD")) {
    auto password = NewPassword(flags.password_file, "TESSERA_USER_PASSWORD", "user");
    if (!password) return Report(password.error());
    options.password = std::move(*password);
  }
  auto user = auth::AddUser(settings->AuthDir(), options);
  if (!user) return Report(user.error());
  std::cout << "Added " << user->username
            << (user->can_edit ? " (can edit PACS resources)" : " (read-only)")
            << ". Issue a login token with: " << CommandFor(common, *settings, "token issue") << " "
            << ShellWord(user->username) << "\n";
  return 0;
}

int RunBackup(const CommonFlags& common, const std::filesystem::path& to) {
  auto settings = SetUpSettings(common);
  if (!settings) return Report(settings.error());
  if (auto status = ActAsOwnerOf(settings->data_dir); !status) return Report(status.error());
  auto report = BackUpDataFolder(*settings, to);
  if (!report) return Report(report.error());
  std::cout << "Backed up " << report->instances << " instance(s) to " << to.string() << ": "
            << report->copied << " file(s) copied (" << HumanBytes(report->bytes_copied) << "), "
            << report->removed << " no longer in the archive removed. `tessera serve --data "
            << to.string() << "` serves the copy.\n";
  if (report->unindexed != 0) {
    std::cout << report->unindexed
              << " instance(s) acknowledged before the backup began were not yet in the index "
              << (report->served ? "(is the server's log reporting a full disk?)"
                                 : "(no server was running to index them)")
              << "; a backup after the server has indexed them will hold them.\n";
  }
  return 0;
}

int RunUserList(const CommonFlags& common) {
  auto settings = SetUpSettings(common);
  if (!settings) return Report(settings.error());
  auto users = auth::ListUsers(settings->AuthDir());
  if (!users) return Report(users.error());
  std::cout << auth::FormatUserTable(*users);
  return 0;
}

int RunUserRemove(const CommonFlags& common, const std::string& username) {
  auto settings = SetUpSettings(common);
  if (!settings) return Report(settings.error());
  if (auto status = auth::RemoveUser(settings->AuthDir(), username); !status) {
    return Report(status.error());
  }
  std::cout << "Removed " << username << "; their tokens no longer work.\n";
  return 0;
}

int RunUserSetPermission(const CommonFlags& common, const UserFlags& flags) {
  auto settings = SetUpSettings(common);
  if (!settings) return Report(settings.error());
  if (flags.can_edit == flags.read_only) {
    return Report(Error{ErrorCode::kInvalidArgument, "give exactly one of --can-edit and --read-only"});
  }
  if (auto status = auth::SetUserPermission(settings->AuthDir(), flags.username, flags.can_edit);
      !status) {
    return Report(status.error());
  }
  std::cout << flags.username << (flags.can_edit ? " can now edit PACS resources" : " is now read-only")
            << "; their earlier tokens no longer work.\n";
  return 0;
}

int RunUserRevoke(const CommonFlags& common, const std::string& username) {
  auto settings = SetUpSettings(common);
  if (!settings) return Report(settings.error());
  if (auto status = auth::RevokeUserTokens(settings->AuthDir(), username); !status) {
    return Report(status.error());
  }
  std::cout << "Every token issued to " << username << " so far is revoked.\n";
  return 0;
}

int RunTokenIssue(const CommonFlags& common, const std::string& username) {
  auto settings = SetUpSettings(common);
  if (!settings) return Report(settings.error());
  const SystemClock clock;
  auto options = AuthOptionsFrom(*settings);
  // http.public_url first; else the address of the server running on this folder,
  // which may have been started with other flags than this command sees.
  if (auto served = ServedUrl(settings->data_dir); settings->http.public_url.empty() && served) {
    options.public_base_url = std::move(*served);
  } else {
    options.public_base_url = CommandLinePublicUrl(*settings);  // http.public_url when set
  }
  auto issued = auth::IssueToken(options, username, clock);
  if (!issued) return Report(issued.error());
  // The token first, alone on its line, so scripts can take it with `head -1`.
  std::cout << issued->token << "\n" << issued->login_link << "\n";
  return 0;
}

}  // namespace tessera::app
