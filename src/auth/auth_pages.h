#pragma once

#include <span>
#include <string_view>

#include "http/static_files.h"

namespace tessera::auth {

// The pages behind GET <prefix>/token (issue a token, for the admin) and GET
// <prefix>/sign-in (user name and password, then back to return_uri), and the
// files they load, served under <prefix>/{*rest}. All views must have static
// storage duration (string literals or the embedded web/ table). To use the
// explorer's pages, app/ passes {web token.html, web sign-in.html, web::Assets()}.
struct AuthPages {
  std::string_view token_html;
  std::string_view sign_in_html;
  std::span<const http::StaticAsset> assets;
};

// Small stand-in pages (one ES module each, no inline script or style, so they
// work under CSP 'self') until the explorer's pages replace them.
AuthPages MinimalAuthPages();

}  // namespace tessera::auth
