#include "auth/auth_pages.h"

#include <algorithm>
#include <string>

namespace tessera::auth {

Result<AuthPages> AuthPagesFrom(std::span<const http::StaticAsset> assets) {
  const auto find = [&](std::string_view path) -> const http::StaticAsset* {
    const auto it = std::find_if(assets.begin(), assets.end(), [&](const http::StaticAsset& asset) {
      return asset.path == path;
    });
    return it == assets.end() ? nullptr : &*it;
  };
  const auto* token = find("auth/token.html");
  const auto* sign_in = find("auth/sign-in.html");
  if (token == nullptr || sign_in == nullptr) {
    return Fail(ErrorCode::kNotFound, "this build has no auth pages (web/auth/*.html)");
  }
  return AuthPages{token->bytes, sign_in->bytes, assets};
}

}  // namespace tessera::auth
