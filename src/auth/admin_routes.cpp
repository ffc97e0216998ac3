#include "auth/admin_routes.h"

#include <cstdio>
#include <functional>

#include <spdlog/spdlog.h>

namespace tessera::auth {
namespace {

using http::HttpStatus;
using http::Request;
using http::Response;

// "2024-03-01T09:00:00Z".
std::string IsoUtc(std::chrono::sys_seconds t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(t - day);
  char text[32];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

nlohmann::json UserJson(const User& user) {
  return {{"username", user.username},
          {"name", user.name},
          {"canEditResource", user.can_edit},
          {"lastLogin", user.last_login ? nlohmann::json(IsoUtc(*user.last_login)) : nullptr},
          {"createdAt", IsoUtc(user.created_at)}};
}

// The parsed body of an admin call once the caller proved to be the admin, or
// the answer to send instead.
struct AdminRequest {
  nlohmann::json body;
  std::optional<Response> refusal;
};

http::Awaitable<AdminRequest> ReadAdminRequest(const RouteContext& context, Request& request,
                                               bool needs_username) {
  auto body = co_await ReadJsonObject(request);
  if (!body && body.error().code == ErrorCode::kTooLarge) {
    co_return AdminRequest{{}, Message(HttpStatus::payload_too_large, "request body too large")};
  }
  if (!body) co_return AdminRequest{{}, Message(HttpStatus::bad_request, kInvalidData)};
  const auto* password = NonEmptyString(*body, "password");
  if (password == nullptr)
    co_return AdminRequest{{}, Message(HttpStatus::bad_request, kInvalidData)};
  // Only present: the user is looked up as named. CheckUsername is for new
  // names; an existing user it would now refuse (made by an older version) must
  // stay manageable from here.
  if (needs_username && NonEmptyString(*body, "username") == nullptr) {
    co_return AdminRequest{{}, Message(HttpStatus::bad_request, kUsernameNotValid)};
  }
  auto refusal = co_await CheckAdmin(context, request, *password);
  co_return AdminRequest{std::move(*body), std::move(refusal)};
}

// Runs a user change on the pool and answers {} or the error.
http::Awaitable<Response> ChangeUser(const RouteContext& context, std::function<Status()> change) {
  auto status = co_await context.pool.Run(std::move(change));
  if (!status && status.error().code == ErrorCode::kNotFound) {
    co_return Message(HttpStatus::bad_request, kUserDoesNotExist);
  }
  if (!status) co_return Unexpected(status.error());
  co_return JsonOk(nlohmann::json::object());
}

}  // namespace

void AdminRoutes::Register(http::Router& router) {
  const std::string base = context_.options.auth_prefix + "/admin";
  const auto add = [&](std::string_view path, auto member) {
    router.Add(http::Verb::post, base + std::string(path), http::Access::kPublic,
               [this, member](Request& request) { return (this->*member)(request); });
  };
  add("/users", &AdminRoutes::Users);
  add("/set-permission", &AdminRoutes::SetPermission);
  add("/revoke-user", &AdminRoutes::RevokeUser);
  add("/delete-user", &AdminRoutes::DeleteUser);
}

http::Awaitable<Response> AdminRoutes::Users(Request& request) {
  auto admin = co_await ReadAdminRequest(context_, request, /*needs_username=*/false);
  if (admin.refusal) co_return std::move(*admin.refusal);
  auto users = co_await context_.pool.Run([&] { return context_.users.List(); });
  if (!users) co_return Unexpected(users.error());
  auto list = nlohmann::json::array();
  for (const auto& user : *users) list.push_back(UserJson(user));
  co_return JsonOk(list);
}

http::Awaitable<Response> AdminRoutes::SetPermission(Request& request) {
  auto admin = co_await ReadAdminRequest(context_, request, /*needs_username=*/true);
  if (admin.refusal) co_return std::move(*admin.refusal);
  const auto it = admin.body.find("canEditResource");
  if (it == admin.body.end() || !it->is_boolean()) {
    co_return Message(HttpStatus::bad_request, kInvalidData);
  }
  const std::string username = admin.body["username"];
  const bool can_edit = it->get<bool>();
  spdlog::info("auth: admin sets can-edit={} for user {}", can_edit, username);
  co_return co_await ChangeUser(context_, [&]() -> Status {
    auto user = context_.users.SetPermission(username, can_edit);
    if (!user) return std::move(user).error();
    return Ok();
  });
}

http::Awaitable<Response> AdminRoutes::RevokeUser(Request& request) {
  auto admin = co_await ReadAdminRequest(context_, request, /*needs_username=*/true);
  if (admin.refusal) co_return std::move(*admin.refusal);
  const std::string username = admin.body["username"];
  spdlog::info("auth: admin revokes every token of user {}", username);
  co_return co_await ChangeUser(context_, [&] { return context_.users.RevokeTokens(username); });
}

http::Awaitable<Response> AdminRoutes::DeleteUser(Request& request) {
  auto admin = co_await ReadAdminRequest(context_, request, /*needs_username=*/true);
  if (admin.refusal) co_return std::move(*admin.refusal);
  const std::string username = admin.body["username"];
  spdlog::info("auth: admin deletes user {}", username);
  co_return co_await ChangeUser(context_, [&] { return context_.users.Delete(username); });
}

}  // namespace tessera::auth
