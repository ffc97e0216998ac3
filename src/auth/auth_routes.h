#pragma once

#include <span>
#include <variant>

#include "auth/auth_pages.h"
#include "auth/route_support.h"
#include "auth/token_guard.h"
#include "http/router.h"

namespace tessera::auth {

// The zhiva-compatible endpoints under the auth prefix ("/auth"):
//   POST generate-token         {name, username, canEditResource, password, userPassword?,
//                                createUserIfNotExists?} -> {token[, loginUrl]}
//   POST generate-access-token  Bearer one-off -> 200, Authorization: Bearer <access>,
//                                body: the refresh token
//   POST refresh-token          Bearer refresh -> 200, Authorization: Bearer <access>
//   POST sign-user              {username, password, referer} -> {token} bound to referer's origin
//   GET  verify                 token -> 200 {username, name, canEditResource} / 401 / 403
//   POST revoke                 Bearer <any token> -> 200 {}: that token is refused from now on
//   GET  .well-known/jwks.json  the public signing key
//   GET  token, sign-in         the pages; their files under {*rest}
// All are Access::kPublic (they check tokens and passwords themselves). Errors
// answer {"message"} with the service's messages. Password work, SQLite and
// signing run on the BlockingPool. The object must outlive the router.
class AuthRoutes {
 public:
  AuthRoutes(RouteContext context, const TokenGuard& guard, const SigningKey& key, AuthPages pages);
  AuthRoutes(const AuthRoutes&) = delete;
  AuthRoutes& operator=(const AuthRoutes&) = delete;

  void Register(http::Router& router);

 private:
  http::Awaitable<http::Response> GenerateToken(http::Request& request);
  http::Awaitable<http::Response> GenerateAccessToken(http::Request& request);
  http::Awaitable<http::Response> RefreshToken(http::Request& request);
  http::Awaitable<http::Response> GenerateLinkToken(http::Request& request);
  http::Awaitable<http::Response> SignUser(http::Request& request);
  http::Awaitable<http::Response> Verify(http::Request& request);
  http::Awaitable<http::Response> Revoke(http::Request& request);
  http::Awaitable<http::Response> Jwks(http::Request& request);
  http::Awaitable<http::Response> Page(http::Request& request, std::string_view html,
                                       http::HttpStatus status = http::HttpStatus::ok);
  http::Awaitable<http::Response> SignInPage(http::Request& request);

  bool IsAllowedReturnUri(const http::Request& request, std::string_view uri) const;
  // The claims of the request's bearer token, checked for one of `kinds` and
  // its Origin; else the no-store answer refusing it (missing or invalid).
  http::Awaitable<std::variant<TokenClaims, http::Response>> BearerClaims(
      http::Request& request, std::span<const TokenKind> kinds);

  RouteContext context_;
  const TokenGuard& guard_;
  const SigningKey& key_;
  AuthPages pages_;
};

}  // namespace tessera::auth
