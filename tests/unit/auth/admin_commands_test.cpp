#include "auth/admin_commands.h"

#include <gtest/gtest.h>

#include "auth/auth_service.h"
#include "auth/setup.h"
#include "http_harness.h"
#include "test_support.h"
#include "web/assets.h"

namespace tessera::auth {
namespace {

using testing::kFastArgon2;

class AdminCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitOptions init;
    init.admin_password = "Admin-passw0rd";
    init.argon2 = kFastArgon2;
    ASSERT_TRUE(InitializeAuth(auth_dir(), init));
    options_.auth_dir = auth_dir();
    options_.argon2 = kFastArgon2;
  }

  std::filesystem::path auth_dir() const { return dir_.path() / "auth"; }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  AuthOptions options_;
};

TEST_F(AdminCommandsTest, AddsListsAndRemovesUsers) {
  auto alice = AddUser(auth_dir(), {"alice", "Alice Zażółć", "Alice-passw0rd", true}, kFastArgon2);
  ASSERT_TRUE(alice) << alice.error().message;
  EXPECT_TRUE(alice->password_hash);
  ASSERT_TRUE(AddUser(auth_dir(), {"bob", "", std::nullopt, false}, kFastArgon2));
  EXPECT_EQ(AddUser(auth_dir(), {"bob", "", std::nullopt, false}).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(AddUser(auth_dir(), {"carol", "", "weak", false}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(AddUser(auth_dir(), {"with space", "", std::nullopt, false}).error().code,
            ErrorCode::kInvalidArgument);

  auto users = ListUsers(auth_dir());
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[1].name, "bob");  // name defaults to the username

  const auto table = FormatUserTable(*users);
  EXPECT_NE(table.find("USERNAME"), std::string::npos);
  EXPECT_NE(table.find("alice     Alice Zażółć  yes       set"), std::string::npos) << table;
  EXPECT_NE(table.find("bob       bob           no        none"), std::string::npos) << table;

  ASSERT_TRUE(RemoveUser(auth_dir(), "bob"));
  EXPECT_EQ(RemoveUser(auth_dir(), "bob").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ListUsers(auth_dir())->size(), 1u);
}

// Names in wide scripts take two terminal columns a character, combining marks
// none: the next column still starts at the same place on every line.
TEST_F(AdminCommandsTest, TheUserTableLinesUpWideAndCombiningCharacters) {
  ASSERT_TRUE(
      AddUser(auth_dir(), {"ann", "\u5c71\u7530 \u592a\u90ce", std::nullopt, true}, kFastArgon2));
  ASSERT_TRUE(AddUser(auth_dir(), {"bo", "Jose\u0301 Li", std::nullopt, false}, kFastArgon2));
  const auto table = FormatUserTable(*ListUsers(auth_dir()));
  // "山田 太郎" is 9 columns, "José Li" 7: CAN-EDIT starts at column 10 + 11.
  EXPECT_NE(table.find("ann       \u5c71\u7530 \u592a\u90ce  yes"), std::string::npos) << table;
  EXPECT_NE(table.find("bo        Jose\u0301 Li    no"), std::string::npos) << table;
}

TEST_F(AdminCommandsTest, RefusesAnUninitialisedFolder) {
  const auto elsewhere = dir_.path() / "nothing";
  EXPECT_EQ(ListUsers(elsewhere).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(AddUser(elsewhere, {"a", "", std::nullopt, false}).error().code, ErrorCode::kNotFound);
}

TEST_F(AdminCommandsTest, IssuesAOneOffTokenWithLoginLink) {
  ASSERT_TRUE(AddUser(auth_dir(), {"alice", "Alice", std::nullopt, false}));
  options_.public_base_url = "https://pacs.clinic.lan:8443";
  options_.viewer_base_url = "https://viewer.zhiva.ai";
  auto issued = IssueToken(options_, "alice", clock_);
  ASSERT_TRUE(issued) << issued.error().message;
  EXPECT_EQ(issued->login_link, "https://viewer.zhiva.ai/auth/oauth?token=" + issued->token);

  auto service = AuthService::Open(options_, clock_);
  ASSERT_TRUE(service);
  auto claims = (*service)->tokens().Verify(issued->token, kOneOffKinds, "");
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->token_server, "https://pacs.clinic.lan:8443/auth/generate-access-token");
  EXPECT_EQ(IssueToken(options_, "ghost", clock_).error().code, ErrorCode::kNotFound);
}

// Without a viewer the link is this server's own login route, under the auth
// path the configuration gives (not always /auth).
TEST_F(AdminCommandsTest, WithoutAViewerTheLinkIsThisServersLoginRoute) {
  ASSERT_TRUE(AddUser(auth_dir(), {"alice", "Alice", std::nullopt, false}));
  options_.public_base_url = "https://pacs.clinic.lan:8443/";
  options_.auth_prefix = "/hosp/login";
  auto issued = IssueToken(options_, "alice", clock_);
  ASSERT_TRUE(issued) << issued.error().message;
  EXPECT_EQ(issued->login_link,
            "https://pacs.clinic.lan:8443/hosp/login/oauth?token=" + issued->token);
}

TEST_F(AdminCommandsTest, ARunningServerSeesCommandLineChanges) {
  ASSERT_TRUE(AddUser(auth_dir(), {"alice", "Alice", std::nullopt, false}));
  auto service = AuthService::Open(options_, clock_);
  ASSERT_TRUE(service);
  auto issued = IssueToken(options_, "alice", clock_);
  ASSERT_TRUE(issued);
  EXPECT_TRUE((*service)->tokens().Verify(issued->token, kOneOffKinds, ""));

  ASSERT_TRUE(SetUserPermission(auth_dir(), "alice", true));
  // The refresher thread would notice within seconds; run it now.
  ASSERT_TRUE((*service)->refresher().RefreshNow().value());
  EXPECT_TRUE((*service)->users().Lookup("alice")->can_edit);
  EXPECT_FALSE((*service)->tokens().Verify(issued->token, kOneOffKinds, ""));

  auto second = IssueToken(options_, "alice", clock_);
  ASSERT_TRUE(second);
  ASSERT_TRUE(RevokeUserTokens(auth_dir(), "alice"));
  ASSERT_TRUE((*service)->refresher().RefreshNow().value());
  EXPECT_FALSE((*service)->tokens().Verify(second->token, kOneOffKinds, ""));

  ASSERT_TRUE(RemoveUser(auth_dir(), "alice"));
  ASSERT_TRUE((*service)->refresher().RefreshNow().value());
  EXPECT_FALSE((*service)->users().Lookup("alice"));
  EXPECT_FALSE((*service)->refresher().RefreshNow().value());  // nothing new
}

TEST_F(AdminCommandsTest, TokensFromTheCommandLineWorkAtOnceOnTheServer) {
  auto service = AuthService::Open(options_, clock_);
  ASSERT_TRUE(service);
  http::Router router;
  http::BlockingPool pool(2);
  (*service)->RegisterRoutes(router, pool, AuthPagesFrom(web::Assets()).value());
  // The user and the token are made by "another process" after the server loaded its state.
  ASSERT_TRUE(AddUser(auth_dir(), {"alice", "Alice", std::nullopt, false}));
  auto issued = IssueToken(options_, "alice", clock_);
  ASSERT_TRUE(issued);
  // The exchange reloads on the pool instead of refusing the unknown user.
  const auto response = testing::Invoke(
      router, (*service)->guard(),
      testing::Post("/auth/generate-access-token", {testing::Bearer(issued->token)}));
  EXPECT_EQ(response.status, http::HttpStatus::ok) << testing::Body(response);
}

TEST_F(AdminCommandsTest, ServiceRefusesAKeyOfAnotherAlgorithm) {
  options_.algorithm = "ES256";
  auto service = AuthService::Open(options_, clock_);
  ASSERT_FALSE(service);
  EXPECT_EQ(service.error().code, ErrorCode::kInvalidArgument);
  options_.algorithm = "RS256";
  options_.auth_dir = dir_.path() / "nothing";
  EXPECT_EQ(AuthService::Open(options_, clock_).error().code, ErrorCode::kNotFound);
}

TEST_F(AdminCommandsTest, DisabledServiceLetsEverythingThrough) {
  AuthOptions disabled;
  disabled.enabled = false;
  auto service = AuthService::Open(disabled, clock_);
  ASSERT_TRUE(service);
  http::Router router;
  http::BlockingPool pool(1);
  (*service)->RegisterRoutes(router, pool, AuthPagesFrom(web::Assets()).value());
  EXPECT_TRUE(router.routes().empty());
  testing::StringBody body("");
  http::Request request(http::Verb::post, "POST", "/zhiva/pacs/studies", {}, "a", true, body);
  EXPECT_FALSE((*service)->guard().Check(request, http::Access::kWrite));
}

}  // namespace
}  // namespace tessera::auth
