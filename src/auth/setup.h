#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "auth/password_hasher.h"
#include "base/result.h"

namespace tessera::auth {

// Creating and resetting the authentication state of a data folder, for
// `tessera init`, first `serve` and `tessera admin-password`. Blocking (files,
// argon2, SQLite); meant for start-up and the command line.

struct InitOptions {
  std::string algorithm = "RS256";  // or "ES256"
  std::string admin_password;       // must pass CheckPasswordPolicy
  bool force = false;               // replace an existing set-up
  Argon2Params argon2;
};

// True when `auth_dir` holds a signing key and an admin password hash.
bool IsInitialized(const std::filesystem::path& auth_dir);

// Creates `auth_dir` (mode 0700) with a new signing key (0600) and its key id,
// the admin password's argon2id hash (0600) and an empty auth.db. With `force`,
// an existing set-up gets a new key (every token issued so far stops working)
// and a new admin password; users are kept.
// Errors: kAlreadyExists when initialised and not `force`; kInvalidArgument for
// a weak admin password or an unknown algorithm; kIo.
Status InitializeAuth(const std::filesystem::path& auth_dir, const InitOptions& options);

// Replaces the admin password hash, and removes the file a generated first
// password was kept in (WriteInitialAdminPassword); a running server uses it
// from the next admin request on. Errors: kNotFound when not initialised;
// kInvalidArgument for a weak password; kIo.
Status SetAdminPassword(const std::filesystem::path& auth_dir, std::string_view password,
                        const Argon2Params& argon2 = {});

// A strong password that is easy to read out and type: four groups of five
// characters from an alphabet without look-alikes (0/O, 1/l/I), joined by '-',
// e.g. "Hq7xa-mP3ke-Ruv9w-tZc4n": about 110 bits, always passes the policy.
std::string GeneratePassword();

// Keeps a generated first admin password in <auth_dir>/initial-admin-password
// (mode 0600) for a server whose output is a log, not a terminal: a password
// written there would stay in the journal. Returns the file. Errors: kIo.
Result<std::filesystem::path> WriteInitialAdminPassword(const std::filesystem::path& auth_dir,
                                                        std::string_view password);

// Prompts on the controlling terminal and reads a line with echo off.
// Errors: kUnavailable when there is no terminal, kIo.
Result<std::string> ReadPasswordFromTerminal(std::string_view prompt);

// The first line of `file` (without its line ending), e.g. --admin-password-file.
// Errors: those of reading; kInvalidArgument when it is empty.
Result<std::string> ReadPasswordFile(const std::filesystem::path& file);

}  // namespace tessera::auth
