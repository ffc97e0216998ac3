#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_options.h"
#include "auth/user_store.h"
#include "base/clock.h"
#include "base/result.h"

namespace tessera::auth {

// The library side of `tessera user add|list|remove|set-permission|revoke` and
// `tessera token issue USER`: each opens <data>/auth directly (a running server
// notices the changes within seconds, see StateRefresher) and returns a value
// or text for app/ to print. Blocking; no CLI parsing here.

struct AddUserOptions {
  std::string username;
  std::string name;                     // defaults to the username when empty
  std::optional<std::string> password;  // none: a token-only user (no sign-in page)
  bool can_edit = false;
};

// Errors: kInvalidArgument for a bad username/name or a weak password,
// kAlreadyExists, kNotFound when auth_dir is not initialised, kIo.
Result<User> AddUser(const std::filesystem::path& auth_dir, const AddUserOptions& options,
                     const Argon2Params& argon2 = {});

Result<std::vector<User>> ListUsers(const std::filesystem::path& auth_dir);

// A fixed-width table: USERNAME NAME CAN-EDIT PASSWORD LAST-LOGIN CREATED.
std::string FormatUserTable(const std::vector<User>& users);

// Errors: kNotFound for an unknown user.
Status RemoveUser(const std::filesystem::path& auth_dir, const std::string& username);
// Ends the user's sessions when the permission changes. Errors: kNotFound.
Status SetUserPermission(const std::filesystem::path& auth_dir, const std::string& username,
                         bool can_edit);
// Refuses every token issued to the user so far. Errors: kNotFound.
Status RevokeUserTokens(const std::filesystem::path& auth_dir, const std::string& username);

struct IssuedToken {
  std::string token;       // the one-off token
  // <viewer base>/auth/oauth?token=<token>, or without a viewer this server's
  // <public base><auth prefix>/oauth?token=<token>.
  std::string login_link;
};

// A one-off token for an existing user, as POST /auth/generate-token would give,
// with the direct login link. `options` supplies issuer, lifetimes, prefixes and
// public_base_url (https://localhost when empty) and viewer_base_url
// (public_base_url when empty); options.auth_dir is the folder used.
// Errors: kNotFound for an unknown user or an uninitialised folder.
Result<IssuedToken> IssueToken(const AuthOptions& options, const std::string& username,
                               const Clock& clock);

}  // namespace tessera::auth
