#include "auth/auth_routes.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "auth/password_policy.h"
#include "auth/url_origin.h"
#include "base/strings.h"
#include "http/static_files.h"

namespace tessera::auth {
namespace {

using http::Access;
using http::HttpStatus;
using http::Request;
using http::Response;
using http::Verb;
namespace field = http::beast::http;

// Tighter than the explorer's policy: these pages take passwords, talk only to
// us and must never be framed.
constexpr std::string_view kPageSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

TokenSubject SubjectOf(const User& user) {
  return TokenSubject{user.username, user.name, user.can_edit, user.version};
}

Response BodyError(const Error& error) {
  if (error.code == ErrorCode::kTooLarge) {
    return Message(HttpStatus::payload_too_large, "request body too large");
  }
  return Message(HttpStatus::bad_request, kInvalidData);
}

Response WithAccessToken(Response response, const std::string& access_token) {
  response.headers.set(field::field::authorization, "Bearer " + access_token);
  return NoStore(std::move(response));
}

bool IsReadOnlyMethodName(std::string_view method) {
  return method.empty() || IEquals(method, "GET") || IEquals(method, "HEAD") ||
         IEquals(method, "OPTIONS");
}

}  // namespace

AuthRoutes::AuthRoutes(RouteContext context, const TokenGuard& guard, const SigningKey& key,
                       AuthPages pages)
    : context_(context), guard_(guard), key_(key), pages_(pages) {}

void AuthRoutes::Register(http::Router& router) {
  const std::string& prefix = context_.options.auth_prefix;
  const auto add = [&](Verb verb, std::string_view path, auto member) {
    router.Add(verb, prefix + std::string(path), Access::kPublic,
               [this, member](Request& request) { return (this->*member)(request); });
  };
  add(Verb::post, "/generate-token", &AuthRoutes::GenerateToken);
  add(Verb::post, "/generate-access-token", &AuthRoutes::GenerateAccessToken);
  add(Verb::post, "/refresh-token", &AuthRoutes::RefreshToken);
  add(Verb::post, "/generate-link-token", &AuthRoutes::GenerateLinkToken);
  add(Verb::post, "/sign-user", &AuthRoutes::SignUser);
  add(Verb::get, "/verify", &AuthRoutes::Verify);
  add(Verb::post, "/revoke", &AuthRoutes::Revoke);
  add(Verb::get, "/.well-known/jwks.json", &AuthRoutes::Jwks);
  add(Verb::get, "/sign-in", &AuthRoutes::SignInPage);
  router.Add(Verb::get, prefix + "/token", Access::kPublic,
             [this](Request& request) { return Page(request, pages_.token_html); });
  router.Add(Verb::get, prefix + "/{*rest}", Access::kPublic,
             http::StaticFilesHandler(pages_.assets, ""));
}

http::Awaitable<Response> AuthRoutes::GenerateToken(Request& request) {
  auto body = co_await ReadJsonObject(request);
  if (!body) co_return BodyError(body.error());
  const nlohmann::json& json = *body;
  const auto* name = NonEmptyString(json, "name");
  if (name == nullptr || !CheckDisplayName(*name)) {
    co_return Message(HttpStatus::bad_request, kNameNotValid);
  }
  const auto* username = NonEmptyString(json, "username");
  if (username == nullptr) co_return Message(HttpStatus::bad_request, kUsernameNotValid);
  const auto* password = NonEmptyString(json, "password");
  if (password == nullptr) co_return Message(HttpStatus::bad_request, kInvalidData);
  // As in the zhiva service, an empty or absent userPassword means "none given".
  const auto* user_password = NonEmptyString(json, "userPassword");
  if (user_password == nullptr && json.contains("userPassword") &&
      !json["userPassword"].is_null() && !json["userPassword"].is_string()) {
    co_return Message(HttpStatus::bad_request, kInvalidData);
  }
  if (user_password != nullptr) {
    if (auto status = CheckPasswordPolicy(*user_password); !status) {
      co_return Message(HttpStatus::bad_request, status.error().message);
    }
  }
  const bool can_edit = Truthy(json, "canEditResource");
  const bool create = Truthy(json, "createUserIfNotExists");

  if (auto refusal = co_await CheckAdmin(context_, request, *password)) {
    co_return std::move(*refusal);
  }
  const std::string base_url = BaseUrl(context_.options, request);
  auto issued = co_await context_.pool.Run([&]() -> Result<std::string> {
    auto existing = context_.users.Find(*username);
    if (!existing) return std::move(existing).error();
    if (*existing && !create) return Fail(ErrorCode::kAlreadyExists, std::string(kUserExists));
    if (!*existing && !create) return Fail(ErrorCode::kNotFound, std::string(kUserDoesNotExist));
    // A new name must pass today's rules; an existing user, perhaps named under
    // an older version's, keeps theirs and can still be given a login token.
    if (!*existing && !CheckUsername(*username)) {
      return Fail(ErrorCode::kInvalidArgument, std::string(kUsernameNotValid));
    }
    std::optional<std::string> hash;
    if (user_password != nullptr) {
      auto hashed = context_.hasher.Hash(*user_password);
      if (!hashed) return std::move(hashed).error();
      hash = std::move(*hashed);
    }
    auto user = context_.users.Upsert(UserChange{*username, *name, can_edit, std::move(hash)});
    if (!user) return std::move(user).error();
    return context_.tokens.IssueOneOff(SubjectOf(*user), std::nullopt, base_url);
  });
  if (!issued) {
    const auto code = issued.error().code;
    if (code == ErrorCode::kAlreadyExists || code == ErrorCode::kNotFound ||
        code == ErrorCode::kInvalidArgument) {
      co_return Message(HttpStatus::bad_request, issued.error().message);
    }
    co_return Unexpected(issued.error());
  }
  spdlog::info("auth: admin issued a one-off token for user {}", *username);
  nlohmann::json answer = {{"token", *issued}};
  std::string viewer = context_.options.viewer_base_url;
  while (!viewer.empty() && viewer.back() == '/') viewer.pop_back();
  if (!viewer.empty()) answer["loginUrl"] = viewer + "/auth/oauth?token=" + PercentEncode(*issued);
  co_return JsonOk(answer);
}

http::Awaitable<std::variant<TokenClaims, Response>> AuthRoutes::BearerClaims(
    Request& request, std::span<const TokenKind> kinds) {
  const auto token = TokenFromRequest(request);
  if (token.empty()) co_return NoStore(MissingTokenResponse());
  const std::string origin(request.header("Origin"));
  auto claims =
      co_await CheckFresh(context_, [&] { return context_.tokens.Verify(token, kinds, origin); });
  if (!claims) co_return NoStore(TokenErrorResponse(claims.error()));
  co_return std::move(*claims);
}

http::Awaitable<Response> AuthRoutes::GenerateAccessToken(Request& request) {
  auto checked = co_await BearerClaims(request, kOneOffKinds);
  if (auto* refusal = std::get_if<Response>(&checked)) co_return std::move(*refusal);
  const auto* claims = &std::get<TokenClaims>(checked);
  const std::string origin(request.header("Origin"));
  // A sign-in (a password's one-off, or a login link's): its address becomes
  // familiar to the account's throttle, here and after a restart.
  const std::string address_key = AddressKey(request.remote_address());
  const std::size_t keep = context_.options.throttle.familiar_per_account;
  auto session = co_await context_.pool.Run([&]() -> Result<SessionTokens> {
    auto spent = context_.tokens.Spend(*claims);
    if (!spent) return std::move(spent).error();
    if (!*spent) return Fail(ErrorCode::kUnauthenticated, "one-off token already spent");
    auto tokens = context_.tokens.IssueSession(*claims, origin);
    if (!tokens) return tokens;
    context_.sign_in_throttle.Remember(claims->subject, address_key);
    if (auto status = context_.users.RecordLogin(claims->subject, address_key, keep); !status) {
      spdlog::warn("auth: cannot record the login of {}: {}", claims->subject,
                   status.error().message);
    }
    return tokens;
  });
  if (!session && session.error().code == ErrorCode::kUnauthenticated) {
    co_return NoStore(TokenErrorResponse(session.error()));
  }
  if (!session) co_return Unexpected(session.error());
  co_return WithAccessToken(
      Response::WithBody(HttpStatus::ok, std::move(session->refresh), "text/plain; charset=utf-8"),
      session->access);
}

http::Awaitable<Response> AuthRoutes::RefreshToken(Request& request) {
  auto checked = co_await BearerClaims(request, kRefreshKinds);
  if (auto* refusal = std::get_if<Response>(&checked)) co_return std::move(*refusal);
  const auto* claims = &std::get<TokenClaims>(checked);
  const std::string origin(request.header("Origin"));
  auto access =
      co_await context_.pool.Run([&] { return context_.tokens.IssueAccess(*claims, origin); });
  if (!access) co_return Unexpected(access.error());
  co_return WithAccessToken(Response::Empty(HttpStatus::ok), *access);
}

http::Awaitable<Response> AuthRoutes::GenerateLinkToken(Request& request) {
  auto checked = co_await BearerClaims(request, kAccessKinds);
  if (auto* refusal = std::get_if<Response>(&checked)) co_return std::move(*refusal);
  const auto* claims = &std::get<TokenClaims>(checked);
  auto link = co_await context_.pool.Run([&] { return context_.tokens.IssueLink(*claims); });
  if (!link) co_return Unexpected(link.error());
  co_return JsonOk({{"token", *link}});
}

http::Awaitable<Response> AuthRoutes::SignUser(Request& request) {
  auto body = co_await ReadJsonObject(request);
  if (!body) co_return BodyError(body.error());
  const nlohmann::json& json = *body;
  const auto* username = NonEmptyString(json, "username");
  if (username == nullptr) co_return Message(HttpStatus::bad_request, kUsernameNotValid);
  const auto* password = NonEmptyString(json, "password");
  if (password == nullptr) co_return Message(HttpStatus::bad_request, kInvalidData);
  std::optional<std::string> audience;
  if (const auto* referer = NonEmptyString(json, "referer")) {
    audience = OriginOf(*referer);
    if (!audience) co_return Message(HttpStatus::bad_request, kInvalidData);
  }

  // No account has a longer name; nor is it worth a place in the throttle's memory.
  if (username->size() > kMaxUsernameBytes)
    co_return Message(HttpStatus::bad_request, kInvalidData);
  const auto& address = request.remote_address();
  const auto attempt = context_.sign_in_throttle.Begin(address, *username);
  if (attempt.refused_for) co_return TooManyAttempts(*attempt.refused_for);
  const std::string base_url = BaseUrl(context_.options, request);
  bool known_user = false;
  auto issued = co_await context_.pool.Run([&]() -> Result<std::string> {
    auto user = context_.users.Find(*username);
    if (!user) return std::move(user).error();
    known_user = user->has_value();
    const bool valid = *user && (*user)->password_hash &&
                       context_.hasher.Verify(*(*user)->password_hash, *password);
    // Unknown users and users without a password cost the same argon2 run.
    if (!(*user && (*user)->password_hash)) context_.hasher.VerifyDummy(*password);
    if (!valid) return Fail(ErrorCode::kUnauthenticated, "wrong username or password");
    return context_.tokens.IssueOneOff(SubjectOf(**user), audience, base_url);
  });
  if (!issued && issued.error().code == ErrorCode::kUnauthenticated) {
    // An unknown name is not logged: it may be a password typed in the wrong field.
    spdlog::warn("auth: failed sign-in as {} from {}",
                 known_user ? LogWord(*username) : "an unknown user", address);
    co_return Message(HttpStatus::bad_request, kInvalidData);
  }
  if (!issued) co_return Unexpected(issued.error());
  context_.sign_in_throttle.Succeeded(address, *username, attempt);
  co_return JsonOk({{"token", *issued}});
}

http::Awaitable<Response> AuthRoutes::Verify(Request& request) {
  std::string_view token = TokenFromRequest(request);
  // Behind nginx auth_request the original query arrives in X-Original-URI.
  std::optional<http::QueryParams> original_query;
  const std::string_view original_uri = request.header("X-Original-URI");
  if (token.empty() && original_uri.find('?') != std::string_view::npos) {
    auto parsed = http::QueryParams::Parse(original_uri.substr(original_uri.find('?') + 1));
    if (parsed) original_query = std::move(*parsed);
    if (original_query) token = original_query->Get("token").value_or(std::string_view{});
  }
  if (token.empty()) co_return NoStore(MissingTokenResponse());
  const bool writes = !IsReadOnlyMethodName(Trim(request.header("X-Original-Method")));
  auto claims = co_await CheckFresh(context_, [&] {
    return guard_.Authorize(request, writes ? Access::kWrite : Access::kRead, token);
  });
  if (!claims) co_return NoStore(TokenErrorResponse(claims.error()));
  co_return JsonOk({{"username", claims->subject},
                    {"name", claims->name},
                    {"canEditResource", claims->can_edit}});
}

http::Awaitable<Response> AuthRoutes::Revoke(Request& request) {
  const auto token = TokenFromRequest(request);
  if (token.empty()) co_return NoStore(MissingTokenResponse());
  auto claims = co_await CheckFresh(
      context_, [&] { return context_.tokens.Verify(token, kAnyKinds, request.header("Origin")); });
  if (!claims) co_return NoStore(TokenErrorResponse(claims.error()));
  auto revoked = co_await context_.pool.Run([&] { return context_.tokens.Revoke(*claims); });
  if (!revoked) co_return Unexpected(revoked.error());
  co_return JsonOk(nlohmann::json::object());
}

http::Awaitable<Response> AuthRoutes::Jwks(Request&) {
  auto response = Response::Json(HttpStatus::ok, key_.JwksJson());
  response.headers.set(field::field::cache_control, "public, max-age=300");
  co_return response;
}

http::Awaitable<Response> AuthRoutes::Page(Request&, std::string_view html, HttpStatus status) {
  auto response = Response::WithBody(status, std::string(html), "text/html; charset=utf-8");
  response.headers.set("Content-Security-Policy", kPageSecurityPolicy);
  response.headers.set(field::field::x_frame_options, "DENY");
  response.headers.set("Referrer-Policy", "no-referrer");
  response.headers.set("X-Content-Type-Options", "nosniff");
  co_return NoStore(std::move(response));
}

http::Awaitable<Response> AuthRoutes::SignInPage(Request& request) {
  // Checked here, before any password is typed: the page hands a fresh token to
  // return_uri, so it must never be a stranger's site.
  const auto return_uri = request.query().Get("return_uri");
  if (return_uri && !IsAllowedReturnUri(request, *return_uri)) {
    spdlog::warn("auth: sign-in page refused a return_uri outside the allowed origins");
    // The page itself, marked so that its script says why and offers no form.
    std::string html(pages_.sign_in_html);
    if (const auto head = html.find("<head>"); head != std::string::npos) {
      html.insert(head + 6, "\n  <meta name=\"tessera-refused\" content=\"return_uri\">");
    }
    co_return co_await Page(request, html, HttpStatus::bad_request);
  }
  co_return co_await Page(request, pages_.sign_in_html);
}

bool AuthRoutes::IsAllowedReturnUri(const Request& request, std::string_view uri) const {
  // A browser's URL parser drops tabs and newlines and trims spaces and control
  // characters, so "/\t/evil.example" would become "//evil.example": a stranger's site.
  const bool plain = std::none_of(uri.begin(), uri.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f || c == '\\';
  });
  if (!plain) return false;
  const bool relative = uri.starts_with('/') && !uri.starts_with("//");
  if (relative) return true;
  const auto origin = OriginOf(uri);
  if (!origin) return false;
  for (const auto& own : {BaseUrl(context_.options, request), request.Origin()}) {
    if (OriginOf(own) == origin) return true;
  }
  return context_.cors.IsAllowed(*origin);
}

}  // namespace tessera::auth
