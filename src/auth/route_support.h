#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auth/admin_credential.h"
#include "auth/auth_options.h"
#include "auth/password_hasher.h"
#include "auth/sign_in_throttle.h"
#include "auth/state_refresher.h"
#include "auth/token_service.h"
#include "auth/user_store.h"
#include "base/clock.h"
#include "base/result.h"
#include "http/blocking_pool.h"
#include "http/cors.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera::auth {

// What the /auth handlers share. Everything is owned by AuthService and
// outlives the handlers.
struct RouteContext {
  const AuthOptions& options;
  TokenService& tokens;
  UserStore& users;
  const AdminCredential& admin;
  // Separate counts, so that guesses at users' passwords cannot lock the admin out.
  SignInThrottle& admin_throttle;
  SignInThrottle& sign_in_throttle;
  const PasswordHasher& hasher;
  http::BlockingPool& pool;
  const http::CorsPolicy& cors;
  StateRefresher& refresher;
};

// The messages of the zhiva auth service, which its pages and viewers match on.
inline constexpr std::string_view kNameNotValid = "Name not valid";
inline constexpr std::string_view kUsernameNotValid = "username not valid";
inline constexpr std::string_view kInvalidData = "Invalid data";
inline constexpr std::string_view kUserExists = "User already exists";
inline constexpr std::string_view kUserDoesNotExist = "User doesn't exists";
inline constexpr std::string_view kInvalidAdminPassword = "Invalid admin password";
inline constexpr std::string_view kUnexpectedError = "Unexpected error";

// The request body as a JSON object (at most 64 KiB). A body that is not
// declared as application/json reads as {} (as Express's json parser left it),
// so the field checks report what is missing. Errors: kInvalidArgument for
// malformed JSON or a non-object, kTooLarge, kIo.
http::Awaitable<Result<nlohmann::json>> ReadJsonObject(http::Request& request);

// The member `name` when it is a non-empty string, else null.
const std::string* NonEmptyString(const nlohmann::json& object, const char* name);
// JavaScript truthiness of member `name`, except that the strings "false", "0",
// "off" and "no" are false (HTML forms send strings).
bool Truthy(const nlohmann::json& object, const char* name);

// {"message": message} with Cache-Control: no-store, like every /auth answer.
http::Response Message(http::HttpStatus status, std::string_view message);
// `response` with Cache-Control: no-store (tokens and user data are not cached).
http::Response NoStore(http::Response response);
// JSON `body` (serialised) with status 200 and no-store.
http::Response JsonOk(const nlohmann::json& body);
// 429 {"message"} with Retry-After.
http::Response TooManyAttempts(std::chrono::seconds retry_after);
// 500 {"message": "Unexpected error"}; the cause goes to the log. A full disk
// (kStorageFull) answers 507 with the archive's message instead.
http::Response Unexpected(const Error& error);

// The public base URL for absolute links: the configured one, else the
// request's own origin.
std::string BaseUrl(const AuthOptions& options, const http::Request& request);

// Runs `check` (a token verification); when it fails with kConflict (the user
// state in memory may lag behind a change by the command line), reloads on the
// pool and runs it once more. So a token issued by `tessera token issue` works
// at once, not after the next periodic reload.
template <class Check>
http::Awaitable<Result<TokenClaims>> CheckFresh(const RouteContext& context, Check check) {
  auto claims = check();
  if (claims || claims.error().code != ErrorCode::kConflict) co_return claims;
  auto refreshed = co_await context.pool.Run([&] { return context.refresher.RefreshNow(); });
  if (!refreshed || !*refreshed) co_return claims;
  co_return check();
}

// Applies the rate limit and checks the admin password on the pool. Nullopt
// when the caller is the admin; else the answer to send (429 or 400 "Invalid
// admin password").
http::Awaitable<std::optional<http::Response>> CheckAdmin(const RouteContext& context,
                                                          const http::Request& request,
                                                          std::string password);

}  // namespace tessera::auth
