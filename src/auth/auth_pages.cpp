#include "auth/auth_pages.h"

namespace tessera::auth {

Result<AuthPages> AuthPagesFrom(std::span<const http::StaticAsset> assets) {
  const auto* token = http::FindStaticAsset(assets, "auth/token.html");
  const auto* sign_in = http::FindStaticAsset(assets, "auth/sign-in.html");
  if (token == nullptr || sign_in == nullptr) {
    return Fail(ErrorCode::kNotFound, "this build has no auth pages (web/auth/*.html)");
  }
  return AuthPages{token->bytes, sign_in->bytes, assets};
}

}  // namespace tessera::auth
