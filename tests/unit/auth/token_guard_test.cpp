#include "auth/token_guard.h"

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace tessera::auth {
namespace {

using http::HttpStatus;
using namespace testing;
using namespace std::chrono_literals;

class TokenGuardTest : public ServiceFixture {};

TEST_F(TokenGuardTest, MissingTokenIs401WithWwwAuthenticate) {
  const auto response = Send(Get("/zhiva/pacs/studies"));
  EXPECT_EQ(response.status, HttpStatus::unauthorized);
  EXPECT_EQ(Message(response), "Missing Token");
  EXPECT_TRUE(Header(response, "WWW-Authenticate").starts_with("Bearer"));
}

TEST_F(TokenGuardTest, AcceptsAccessTokenFromHeaderTokenHeaderOrQuery) {
  const auto session = Login("reader", false);
  for (const auto& call : {Get("/zhiva/pacs/studies", {Bearer(session.access)}),
                           Get("/zhiva/pacs/studies", {{"Authorization", session.access}}),
                           Get("/zhiva/pacs/studies", {{"token", session.access}}),
                           Get("/zhiva/pacs/studies?token=" + session.access)}) {
    const auto response = Send(call);
    ASSERT_EQ(response.status, HttpStatus::ok) << Body(response);
    EXPECT_EQ(JsonBody(response)["user"], "reader");  // the principal was set
    EXPECT_EQ(JsonBody(response)["canWrite"], false);
  }
}

TEST_F(TokenGuardTest, InvalidTokenIs403) {
  const auto response = Send(Get("/zhiva/pacs/studies", {Bearer("not-a-token")}));
  EXPECT_EQ(response.status, HttpStatus::forbidden);
  EXPECT_EQ(Message(response), "Invalid Token");
  // A scheme other than Bearer is not ours: treated as no token.
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {{"Authorization", "Basic dXNlcjpwYXNz"}})).status,
            HttpStatus::unauthorized);
}

TEST_F(TokenGuardTest, ExpiredTokenIs401TokenExpired) {
  const auto session = Login("reader", false);
  clock_.Advance(24h);
  const auto response = Send(Get("/zhiva/pacs/studies", {Bearer(session.access)}));
  EXPECT_EQ(response.status, HttpStatus::unauthorized);
  EXPECT_EQ(Message(response), "Token Expired");
  EXPECT_NE(Header(response, "WWW-Authenticate").find("invalid_token"), std::string::npos);
}

TEST_F(TokenGuardTest, ReadOnlyUserMayReadButNotWrite) {
  const auto session = Login("reader", false);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(session.access)})).status, HttpStatus::ok);
  const auto write = Send(Post("/zhiva/pacs/studies", {Bearer(session.access)}));
  EXPECT_EQ(write.status, HttpStatus::forbidden);
  EXPECT_EQ(Message(write), "Unauthorized");
}

TEST_F(TokenGuardTest, EditorMayWrite) {
  const auto session = Login("editor", true);
  const auto write = Send(Post("/zhiva/pacs/studies", {Bearer(session.access)}));
  ASSERT_EQ(write.status, HttpStatus::ok);
  EXPECT_EQ(JsonBody(write)["canWrite"], true);
}

TEST_F(TokenGuardTest, NonReadMethodsNeedEditEvenOnReadRoutes) {
  router_.Add(http::Verb::delete_, "/zhiva/pacs/mislabelled", http::Access::kRead,
              [](http::Request&) -> http::Awaitable<http::Response> {
                co_return http::Response::Empty(HttpStatus::no_content);
              });
  const auto reader = Login("reader", false);
  Call call{http::Verb::delete_, "/zhiva/pacs/mislabelled", {Bearer(reader.access)}, "", "x"};
  EXPECT_EQ(Send(call).status, HttpStatus::forbidden);
  const auto editor = Login("editor", true);
  call.headers = {Bearer(editor.access)};
  EXPECT_EQ(Send(call).status, HttpStatus::no_content);
}

TEST_F(TokenGuardTest, UnspentOneOffTokenPassesSpentDoesNot) {
  const auto one_off = IssueOneOff("reader", false);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies?token=" + one_off)).status, HttpStatus::ok);
  Exchange(one_off);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies?token=" + one_off)).status, HttpStatus::forbidden);
}

TEST_F(TokenGuardTest, RefreshTokenIsNotAnAccessToken) {
  const auto session = Login("reader", false);
  const auto response = Send(Get("/zhiva/pacs/studies", {Bearer(session.refresh)}));
  EXPECT_EQ(response.status, HttpStatus::forbidden);
  EXPECT_EQ(Message(response), "Invalid Token");
}

TEST_F(TokenGuardTest, ChecksTokenAudienceAgainstOrigin) {
  const auto session = Exchange(IssueOneOff("reader", false), "https://viewer.zhiva.ai");
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies",
                     {Bearer(session.access), {"Origin", "https://viewer.zhiva.ai"}}))
                .status,
            HttpStatus::ok);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies",
                     {Bearer(session.access), {"Origin", "https://other.zhiva.ai"}}))
                .status,
            HttpStatus::forbidden);
}

TEST_F(TokenGuardTest, PublicRoutesNeedNoToken) {
  EXPECT_EQ(Send(Get("/auth/.well-known/jwks.json")).status, HttpStatus::ok);
  EXPECT_EQ(Send(Get("/auth/token")).status, HttpStatus::ok);
}

TEST_F(TokenGuardTest, ExtractsTokensInOrderOfPreference) {
  StringBody body("");
  http::Fields fields;
  fields.set("Authorization", "bearer  abc ");
  fields.set("token", "def");
  http::Request request(http::Verb::get, "GET", "/x?token=ghi", fields, "a", true, body);
  ASSERT_TRUE(request.ParseTarget());
  EXPECT_EQ(TokenFromRequest(request), "abc");
  fields.erase("Authorization");
  http::Request without_header(http::Verb::get, "GET", "/x?token=ghi", fields, "a", true, body);
  ASSERT_TRUE(without_header.ParseTarget());
  EXPECT_EQ(TokenFromRequest(without_header), "def");
  http::Request query_only(http::Verb::get, "GET", "/x?token=ghi", {}, "a", true, body);
  ASSERT_TRUE(query_only.ParseTarget());
  EXPECT_EQ(TokenFromRequest(query_only), "ghi");
}

}  // namespace
}  // namespace tessera::auth
