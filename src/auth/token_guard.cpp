#include "auth/token_guard.h"

#include <spdlog/spdlog.h>

#include "base/strings.h"

namespace tessera::auth {

static bool IsReadOnlyMethod(http::Verb method) {
  return method == http::Verb::get || method == http::Verb::head || method == http::Verb::options;
}

std::string_view TokenFromRequest(const http::Request& request) {
  const std::string_view authorization = Trim(request.header("Authorization"));
  if (IStartsWith(authorization, "Bearer ")) return Trim(authorization.substr(7));
  // The zhiva service took a bare token too; other schemes (Basic ...) are not ours.
  if (!authorization.empty() && authorization.find(' ') == std::string_view::npos) {
    return authorization;
  }
  if (const auto header = Trim(request.header("token")); !header.empty()) return header;
  return request.query().Get("token").value_or(std::string_view{});
}

http::Response MissingTokenResponse() {
  auto response = http::Response::Error(http::HttpStatus::unauthorized, "Missing Token");
  response.headers.set(http::beast::http::field::www_authenticate, "Bearer realm=\"tessera\"");
  return response;
}

http::Response TokenErrorResponse(const Error& error) {
  if (error.code == ErrorCode::kExpired) {
    auto response = http::Response::Error(http::HttpStatus::unauthorized, "Token Expired");
    response.headers.set(http::beast::http::field::www_authenticate,
                         "Bearer realm=\"tessera\", error=\"invalid_token\", "
                         "error_description=\"Token Expired\"");
    return response;
  }
  if (error.code == ErrorCode::kPermissionDenied) return UnauthorizedResponse();
  return http::Response::Error(http::HttpStatus::forbidden, "Invalid Token");
}

http::Response UnauthorizedResponse() {
  return http::Response::Error(http::HttpStatus::forbidden, "Unauthorized");
}

Result<TokenClaims> TokenGuard::Authorize(const http::Request& request, http::Access access,
                                          std::string_view token) const {
  auto claims = tokens_.Verify(token, kArchiveKinds, request.header("Origin"));
  if (!claims) return claims;
  const bool needs_edit = access == http::Access::kWrite || !IsReadOnlyMethod(request.method());
  if (needs_edit && !claims->can_edit) {
    return Fail(ErrorCode::kPermissionDenied, "user may not edit archive resources");
  }
  return claims;
}

std::optional<http::Response> TokenGuard::Check(http::Request& request, http::Access access) {
  if (access == http::Access::kPublic) return std::nullopt;
  const auto token = TokenFromRequest(request);
  if (token.empty()) return MissingTokenResponse();
  auto claims = Authorize(request, access, token);
  if (!claims && claims.error().code == ErrorCode::kConflict && on_stale_) on_stale_();
  if (!claims) {
    // The reason helps an admin; the token itself never reaches the log.
    spdlog::debug("auth: refused {} {}: {}", request.method_string(), request.path(),
                  claims.error().message);
    return TokenErrorResponse(claims.error());
  }
  request.set_principal(http::Principal{claims->subject, claims->name, claims->can_edit});
  return std::nullopt;
}

}  // namespace tessera::auth
