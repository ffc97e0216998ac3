// tessera: a PACS in one binary. This file only defines the command line; each
// subcommand's work is in its own file.

#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "app/admin_commands.h"
#include "app/log_format.h"
#include "app/serve_command.h"
#include "app/settings.h"

namespace {

using tessera::app::CommonFlags;

void AddDataFlags(CLI::App& command, CommonFlags& flags) {
  command.add_option("--data", flags.data_dir,
                     "Data folder (default ./data or TESSERA_DATA_DIR)");
  command.add_option("--config", flags.config_file,
                     "Configuration file (default <data>/tessera.toml when present)");
}

// CLI11 answers a misspelt command ("tessera sevre") with "A subcommand is
// required"; this names the word and the commands there are instead.
std::optional<std::string> UnknownCommand(CLI::App& app, int argc, char** argv) {
  CLI::App* level = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.starts_with('-')) return std::nullopt;  // options are CLI11's to judge
    const auto commands = level->get_subcommands([](CLI::App*) { return true; });
    if (commands.empty()) return std::nullopt;
    CLI::App* next = nullptr;
    std::string names;
    for (CLI::App* command : commands) {
      if (command->get_name() == word) next = command;
      names += (names.empty() ? "" : ", ") + command->get_name();
    }
    if (next == nullptr) return "unknown command '" + word + "'; the commands are: " + names;
    level = next;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  // Everything Tessera writes (the index with patients' names, the files, the
  // keys) is for its owner and group only, whatever the shell's umask.
  ::umask(027);
  spdlog::set_formatter(tessera::app::OneLineFormatter());
  CLI::App app{
      "Tessera: a DICOM archive (PACS) with DICOMweb, DICOM networking and token auth built in.\n"
      "Every configuration key can also be set as TESSERA_<SECTION>_<KEY>, e.g. "
      "TESSERA_HTTP_LISTEN.",
      "tessera"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tessera " TESSERA_VERSION);

  CommonFlags common;
  int exit_code = 0;

  auto* serve = app.add_subcommand("serve", "Run the archive: HTTPS (DICOMweb, explorer, auth) "
                                            "and the DICOM service");
  AddDataFlags(*serve, common);
  serve->add_option("--listen", common.listen, "HTTP(S) address, ADDRESS:PORT (default 0.0.0.0:8443)");
  serve->add_flag("--plain-http", common.plain_http,
                  "Serve plain HTTP, no TLS (tests, or behind a TLS proxy)");
  serve->add_option("--dicom-listen", common.dicom_listen,
                    "DICOM service address, ADDRESS:PORT (default 0.0.0.0:4242)");
  serve->callback([&] { exit_code = tessera::app::RunServe(common); });

  tessera::app::InitFlags init_flags;
  auto* init = app.add_subcommand(
      "init", "Set up a data folder: configuration file, TLS certificate, signing key and the "
              "admin password (asked twice, or from --admin-password-file or "
              "TESSERA_ADMIN_PASSWORD)");
  AddDataFlags(*init, common);
  init->add_flag("--force", init_flags.force,
                 "Replace the keys, certificate and admin password of an existing set-up "
                 "(users and tessera.toml's settings are kept; refused while a server runs)");
  init->add_option("--admin-password-file", init_flags.admin_password_file,
                   "Read the admin password from the first line of this file")
      ->check(CLI::ExistingFile);
  init->add_option("--certificate", init_flags.certificate_file,
                   "Use this PEM certificate instead of making a self-signed one")
      ->check(CLI::ExistingFile);
  init->add_option("--private-key", init_flags.private_key_file, "The key of --certificate")
      ->check(CLI::ExistingFile);
  init->add_option("--subject", init_flags.subject,
                   "Common name of the self-signed certificate (a host name or IP address is "
                   "also made one of its alternative names)")
      ->capture_default_str();
  init->add_option("--jwt-algorithm", init_flags.jwt_algorithm,
                   "RS256 or ES256 (default: auth.algorithm of the settings, RS256 unless set)")
      ->check(CLI::IsMember({"RS256", "ES256"}));
  init->callback([&] { exit_code = tessera::app::RunInit(common, init_flags); });

  std::filesystem::path backup_folder;
  auto* backup = app.add_subcommand(
      "backup",
      "Copy the data folder (archive, users, keys, settings) to another folder, while a "
      "server runs; again into the same folder copies only what changed. `tessera serve "
      "--data <folder>` serves the copy");
  AddDataFlags(*backup, common);
  backup->add_option("--to", backup_folder, "The backup folder (on another disk)")->required();
  backup->callback([&] { exit_code = tessera::app::RunBackup(common, backup_folder); });

  std::optional<std::filesystem::path> admin_password_file;
  auto* admin_password = app.add_subcommand(
      "admin-password", "Change the admin password (asked twice, or from --password-file or "
                        "TESSERA_ADMIN_PASSWORD)");
  AddDataFlags(*admin_password, common);
  admin_password->add_option("--password-file", admin_password_file,
                             "Read the password from the first line of this file")
      ->check(CLI::ExistingFile);
  admin_password->callback(
      [&] { exit_code = tessera::app::RunAdminPassword(common, admin_password_file); });

  tessera::app::UserFlags user_flags;
  auto* user = app.add_subcommand("user", "Manage the users who may sign in or get tokens");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand(
      "add", "Add a user (a password from --password-file or TESSERA_USER_PASSWORD allows the "
             "sign-in page; without one the user signs in with issued tokens only)");
  AddDataFlags(*user_add, common);
  user_add->add_option("username", user_flags.username, "User name")->required();
  user_add->add_option("--name", user_flags.name, "Display name (default: the user name)");
  auto* can_edit = user_add->add_flag("--can-edit", user_flags.can_edit,
                                      "May store and delete PACS resources");
  user_add->add_flag("--read-only", user_flags.read_only, "May only read (the default)")
      ->excludes(can_edit);
  user_add->add_option("--password-file", user_flags.password_file,
                       "Read the user's password from the first line of this file")
      ->check(CLI::ExistingFile);
  user_add->callback([&] { exit_code = tessera::app::RunUserAdd(common, user_flags); });

  auto* user_list = user->add_subcommand("list", "List the users");
  AddDataFlags(*user_list, common);
  user_list->callback([&] { exit_code = tessera::app::RunUserList(common); });

  auto* user_remove = user->add_subcommand("remove", "Remove a user; their tokens stop working");
  AddDataFlags(*user_remove, common);
  user_remove->add_option("username", user_flags.username, "User name")->required();
  user_remove->callback(
      [&] { exit_code = tessera::app::RunUserRemove(common, user_flags.username); });

  auto* user_permission = user->add_subcommand(
      "set-permission", "Make a user an editor (--can-edit) or read-only (--read-only)");
  AddDataFlags(*user_permission, common);
  user_permission->add_option("username", user_flags.username, "User name")->required();
  auto* permission_edit = user_permission->add_flag("--can-edit", user_flags.can_edit,
                                                    "May store and delete PACS resources");
  user_permission->add_flag("--read-only", user_flags.read_only, "May only read")
      ->excludes(permission_edit);
  user_permission->callback(
      [&] { exit_code = tessera::app::RunUserSetPermission(common, user_flags); });

  auto* user_revoke = user->add_subcommand("revoke", "Revoke every token issued to a user");
  AddDataFlags(*user_revoke, common);
  user_revoke->add_option("username", user_flags.username, "User name")->required();
  user_revoke->callback(
      [&] { exit_code = tessera::app::RunUserRevoke(common, user_flags.username); });

  auto* token = app.add_subcommand("token", "Issue login tokens");
  token->require_subcommand(1);
  std::string token_user;
  auto* token_issue = token->add_subcommand(
      "issue",
      "Print a one-off login token for a user (valid auth.one_off_token_hours, 24 h by "
      "default, or until first use) and the direct login link");
  AddDataFlags(*token_issue, common);
  token_issue->add_option("username", token_user, "User name")->required();
  token_issue->callback([&] { exit_code = tessera::app::RunTokenIssue(common, token_user); });

  if (const auto unknown = UnknownCommand(app, argc, argv)) {
    std::cerr << "tessera: " << *unknown << " (see tessera --help)\n";
    return 2;
  }
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
