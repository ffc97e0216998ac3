#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "auth/auth_service.h"
#include "auth/setup.h"
#include "http/blocking_pool.h"
#include "http/router.h"
#include "http_harness.h"
#include "test_support.h"
#include "web/assets.h"

namespace tessera::auth::testing {

inline constexpr char kAdminPassword[] = "Admin-passw0rd";
inline constexpr char kUserPassword[] = "User-passw0rd";

// A real AuthService on a fresh, initialised auth folder, its routes in a
// Router, plus two archive routes guarded like DICOMweb ones:
// GET /zhiva/pacs/studies (kRead) and POST /zhiva/pacs/studies (kWrite), which
// answer {"user": principal subject, "canWrite": ...}.
class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    InitOptions init;
    init.admin_password = kAdminPassword;
    init.argon2 = kFastArgon2;
    init.algorithm = algorithm_;
    ASSERT_TRUE(InitializeAuth(dir_.path() / "auth", init));
    options_.auth_dir = dir_.path() / "auth";
    options_.argon2 = kFastArgon2;
    options_.algorithm = algorithm_;
    options_.throttle.per_address = RateLimitOptions{5, std::chrono::seconds(60), 1000};
    options_.allowed_origins = {"https://*.zhiva.ai", "http://localhost:*"};
    Customize(options_);
    auto service = AuthService::Open(options_, clock_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
    service_->RegisterRoutes(router_, pool_, AuthPagesFrom(web::Assets()).value());
    for (auto [verb, access] : {std::pair{http::Verb::get, http::Access::kRead},
                                std::pair{http::Verb::post, http::Access::kWrite}}) {
      router_.Add(verb, "/zhiva/pacs/studies", access,
                  [](http::Request& request) -> http::Awaitable<http::Response> {
                    co_return http::Response::Json(
                        http::HttpStatus::ok,
                        nlohmann::json{{"user", request.principal().subject},
                                       {"canWrite", request.principal().can_write}}
                            .dump());
                  });
    }
  }

  virtual void Customize(AuthOptions&) {}

  http::Response Send(const Call& call) { return Invoke(router_, service_->guard(), call); }

  // POST /auth/generate-token creating or updating the user; returns the token.
  std::string IssueOneOff(const std::string& username, bool can_edit,
                          std::optional<std::string> user_password = std::nullopt) {
    nlohmann::json body = {{"name", "Name of " + username},
                           {"username", username},
                           {"canEditResource", can_edit},
                           {"password", kAdminPassword},
                           {"createUserIfNotExists", true}};
    if (user_password) body["userPassword"] = *user_password;
    const auto response = Send(PostJson("/auth/generate-token", body));
    EXPECT_EQ(response.status, http::HttpStatus::ok) << Body(response);
    return JsonBody(response).value("token", "");
  }

  struct Session {
    std::string access;
    std::string refresh;
  };

  // POST /auth/generate-access-token with `one_off`.
  Session Exchange(const std::string& one_off, std::string origin = "") {
    std::vector<std::pair<std::string, std::string>> headers = {Bearer(one_off)};
    if (!origin.empty()) headers.emplace_back("Origin", origin);
    const auto response = Send(Post("/auth/generate-access-token", headers));
    EXPECT_EQ(response.status, http::HttpStatus::ok) << Body(response);
    std::string access = Header(response, "Authorization");
    if (access.starts_with("Bearer ")) access = access.substr(7);
    return Session{access, Body(response)};
  }

  Session Login(const std::string& username, bool can_edit) {
    return Exchange(IssueOneOff(username, can_edit));
  }

  // ES256 keeps key generation quick; RS256 runs in its own suites.
  std::string algorithm_ = "ES256";
  TempDir dir_;
  FakeClock clock_;
  AuthOptions options_;
  http::BlockingPool pool_{2};
  http::Router router_;
  std::unique_ptr<AuthService> service_;
};

}  // namespace tessera::auth::testing
