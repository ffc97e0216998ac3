#pragma once

#include <span>
#include <string_view>

#include "base/result.h"
#include "http/static_files.h"

namespace tessera::auth {

// The pages behind GET <prefix>/token (issue a token, for the admin) and GET
// <prefix>/sign-in (user name and password, then back to return_uri), and the
// files they load, served under <prefix>/{*rest}. All views must have static
// storage duration (string literals or the embedded web/ table).
struct AuthPages {
  std::string_view token_html;
  std::string_view sign_in_html;
  std::span<const http::StaticAsset> assets;
};

// The pages in `assets` (the explorer's web/ table: auth/token.html and
// auth/sign-in.html, which load the rest of it). Errors: kNotFound when the
// table lacks one of the two, a build without its web files.
Result<AuthPages> AuthPagesFrom(std::span<const http::StaticAsset> assets);

}  // namespace tessera::auth
