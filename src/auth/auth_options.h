#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "auth/password_hasher.h"
#include "auth/sign_in_throttle.h"

namespace tessera::auth {

// How the built-in authentication behaves. app/ fills it from config::AuthConfig
// and config::HttpConfig.
struct AuthOptions {
  // false: the archive runs open (AuthService::guard() lets everything through
  // and no /auth routes are registered).
  bool enabled = true;
  std::string issuer = "tessera";  // iss of every token, checked on verification
  // "RS256" or "ES256"; must match the key `tessera init` made.
  std::string algorithm = "RS256";
  std::chrono::hours one_off_lifetime{24};
  std::chrono::hours access_lifetime{24};
  std::chrono::hours refresh_lifetime{24 * 30};
  // The URL clients use to reach this server, e.g. "https://pacs.example:8443",
  // for the tokenServer/refreshServer/pacs claims. Empty: each request's own
  // origin (scheme + Host). The command line needs it (or uses https://localhost).
  std::string public_base_url;
  std::string auth_prefix = "/auth";
  std::string pacs_url_path = "/zhiva/pacs";  // the DICOMweb root, for the "pacs" claim
  // Base of the direct login link <viewer>/auth/oauth?token=... (empty: this
  // server's own <public_base_url><auth_prefix>/oauth).
  std::string viewer_base_url;
  // Origins (with * wildcards, as in the CORS list) a sign-in may return to,
  // besides this server's own origin.
  std::vector<std::string> allowed_origins;
  // Users' sign-ins; the admin password's too, without the per-account limit.
  SignInThrottleOptions throttle;
  Argon2Params argon2;
  // <data>/auth: signing key, key id, admin password hash, auth.db.
  std::filesystem::path auth_dir;
};

}  // namespace tessera::auth
