#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "app/settings.h"

namespace tessera::app {

// The command-line side of `tessera init`, `admin-password`, `user …` and
// `token issue`: flag values in, text out, exit code back. Each reads the
// configuration like `serve` does (so --data and --config mean the same).

struct InitFlags {
  bool force = false;
  std::optional<std::filesystem::path> admin_password_file;
  std::optional<std::filesystem::path> certificate_file;
  std::optional<std::filesystem::path> private_key_file;
  std::string subject = "Tessera PACS";
  // Unset: the settings' auth.algorithm (the folder's, on --force).
  std::optional<std::string> jwt_algorithm;
};
int RunInit(const CommonFlags& common, const InitFlags& flags);

// `tessera backup --to <folder>`: see BackUpDataFolder (app/backup.h).
int RunBackup(const CommonFlags& common, const std::filesystem::path& to);

int RunAdminPassword(const CommonFlags& common,
                     const std::optional<std::filesystem::path>& password_file);

struct UserFlags {
  std::string username;
  std::string name;
  bool can_edit = false;
  bool read_only = false;
  std::optional<std::filesystem::path> password_file;
};
int RunUserAdd(const CommonFlags& common, const UserFlags& flags);
int RunUserList(const CommonFlags& common);
int RunUserRemove(const CommonFlags& common, const std::string& username);
int RunUserSetPermission(const CommonFlags& common, const UserFlags& flags);
int RunUserRevoke(const CommonFlags& common, const std::string& username);
int RunTokenIssue(const CommonFlags& common, const std::string& username);

}  // namespace tessera::app
