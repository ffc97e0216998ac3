#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "auth/token_service.h"
#include "base/result.h"
#include "http/guard.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera::auth {

// The token a request carries, from the first of: "Authorization: Bearer <t>"
// (or a bare token in Authorization, as the zhiva service accepted), a "token"
// header, a "token" query parameter (for links such as explorer.html?token=...).
// Empty when there is none.
std::string_view TokenFromRequest(const http::Request& request);

// The zhiva-compatible refusals: 401 {"message": "Missing Token"} with
// "WWW-Authenticate: Bearer"; 401 "Token Expired"; 403 "Invalid Token";
// 403 "Unauthorized" (valid token, not allowed to edit).
http::Response MissingTokenResponse();
http::Response TokenErrorResponse(const Error& error);
http::Response UnauthorizedResponse();

// The http::Guard of the archive routes. kPublic routes pass untouched. Others
// need an access token or an unspent one-off token (TokenService::Verify,
// Origin checked against the token's audience); kWrite routes, and any method
// other than GET/HEAD/OPTIONS whatever the route says, need a user who may edit.
// Allowed requests get their principal set. In-memory only, so it costs
// microseconds on the I/O thread; when a token names a user state memory does
// not have (kConflict), `on_stale` is called (AuthService pokes its
// StateRefresher) and the request is refused. Thread-safe.
class TokenGuard final : public http::Guard {
 public:
  explicit TokenGuard(const TokenService& tokens, std::function<void()> on_stale = {})
      : tokens_(tokens), on_stale_(std::move(on_stale)) {}

  std::optional<http::Response> Check(http::Request& request, http::Access access) override;

  // The checks of Check without touching the request: the verified claims or
  // the refusal to send. Also used by GET /auth/verify.
  Result<TokenClaims> Authorize(const http::Request& request, http::Access access,
                                std::string_view token) const;

 private:
  const TokenService& tokens_;
  const std::function<void()> on_stale_;
};

}  // namespace tessera::auth
