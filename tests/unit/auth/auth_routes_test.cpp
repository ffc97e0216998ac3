#include "auth/auth_routes.h"

#include <gtest/gtest.h>

#include "auth/password_policy.h"
#include "auth/route_support.h"
#include "base/strings.h"
#include "service_fixture.h"

namespace tessera::auth {
namespace {

using http::HttpStatus;
using namespace testing;
using namespace std::chrono_literals;

class AuthRoutesTest : public ServiceFixture {
 protected:
  nlohmann::json GenerateBody(std::string username = "alice") {
    return {{"name", "Alice"},
            {"username", username},
            {"canEditResource", false},
            {"password", kAdminPassword}};
  }
};

// ---- POST /auth/generate-token

// A name refused today (a no-break space) is refused for a new user, while a user
// an older version created under it can still be given a login token.
TEST_F(AuthRoutesTest, GenerateTokenChecksTheNameOfNewUsersOnly) {
  const std::string legacy = "nb\u00a0sp";
  auto body = GenerateBody(legacy);
  body["createUserIfNotExists"] = true;
  const auto refused = Send(PostJson("/auth/generate-token", body));
  EXPECT_EQ(refused.status, HttpStatus::bad_request);
  EXPECT_EQ(Message(refused), "username not valid");
  EXPECT_FALSE(service_->users().Lookup(legacy));

  ASSERT_TRUE(service_->users().Create(UserChange{legacy, "Legacy", false, std::nullopt}));
  const auto issued = Send(PostJson("/auth/generate-token", body));
  ASSERT_EQ(issued.status, HttpStatus::ok) << Body(issued);
  EXPECT_FALSE(JsonBody(issued)["token"].get<std::string>().empty());
}

TEST_F(AuthRoutesTest, GenerateTokenValidatesInputWithZhivaMessages) {
  auto body = GenerateBody();
  body.erase("name");
  EXPECT_EQ(Message(Send(PostJson("/auth/generate-token", body))), "Name not valid");
  body = GenerateBody();
  body["username"] = "";
  EXPECT_EQ(Message(Send(PostJson("/auth/generate-token", body))), "username not valid");
  body = GenerateBody();
  body.erase("password");
  const auto no_password = Send(PostJson("/auth/generate-token", body));
  EXPECT_EQ(no_password.status, HttpStatus::bad_request);
  EXPECT_EQ(Message(no_password), "Invalid data");
  Call malformed = PostJson("/auth/generate-token", GenerateBody());
  malformed.body = "{\"name\": ";
  EXPECT_EQ(Message(Send(malformed)), "Invalid data");
  Call not_json = Post("/auth/generate-token", {{"Content-Type", "text/plain"}});
  not_json.body = GenerateBody().dump();
  EXPECT_EQ(Message(Send(not_json)), "Name not valid");  // read as {}, like Express did
}

TEST_F(AuthRoutesTest, GenerateTokenRefusesWrongAdminPassword) {
  auto body = GenerateBody();
  body["password"] = "wrong";
  const auto response = Send(PostJson("/auth/generate-token", body));
  EXPECT_EQ(response.status, HttpStatus::bad_request);
  EXPECT_EQ(Message(response), "Invalid admin password");
}

TEST_F(AuthRoutesTest, GenerateTokenAsksBeforeCreatingOrUpdating) {
  auto absent = Send(PostJson("/auth/generate-token", GenerateBody()));
  EXPECT_EQ(absent.status, HttpStatus::bad_request);
  EXPECT_EQ(Message(absent), "User doesn't exists");
  EXPECT_FALSE(service_->users().Lookup("alice"));  // nothing created

  auto body = GenerateBody();
  body["createUserIfNotExists"] = true;
  body["userPassword"] = kUserPassword;
  const auto created = Send(PostJson("/auth/generate-token", body));
  ASSERT_EQ(created.status, HttpStatus::ok) << Body(created);
  EXPECT_EQ(Header(created, "Cache-Control"), "no-store");

  auto exists = Send(PostJson("/auth/generate-token", GenerateBody()));
  EXPECT_EQ(exists.status, HttpStatus::bad_request);
  EXPECT_EQ(Message(exists), "User already exists");
  // Even with a userPassword: only createUserIfNotExists lets it through.
  body.erase("createUserIfNotExists");
  EXPECT_EQ(Message(Send(PostJson("/auth/generate-token", body))), "User already exists");
}

TEST_F(AuthRoutesTest, GenerateTokenIssuesOneOffTokenWithZhivaClaims) {
  auto body = GenerateBody();
  body["createUserIfNotExists"] = true;
  body["canEditResource"] = true;
  const auto response = Send(PostJson("/auth/generate-token", body));
  ASSERT_EQ(response.status, HttpStatus::ok) << Body(response);
  const auto payload = Payload(JsonBody(response)["token"]);
  EXPECT_EQ(payload["username"], "alice");
  EXPECT_EQ(payload["name"], "Alice");
  EXPECT_EQ(payload["canEditResource"], true);
  EXPECT_EQ(payload["tokenType"], "one-off");
  EXPECT_EQ(payload["iss"], "tessera");
  EXPECT_EQ(payload["exp"].get<long>() - payload["iat"].get<long>(), 24 * 3600);
  // Built from the request's Host when no public URL is configured.
  EXPECT_EQ(payload["tokenServer"], "https://pacs.example:8443/auth/generate-access-token");
  EXPECT_EQ(payload["refreshServer"], "https://pacs.example:8443/auth/refresh-token");
  EXPECT_EQ(payload["pacs"], "https://pacs.example:8443/zhiva/pacs");
  EXPECT_FALSE(payload.contains("aud"));
  EXPECT_FALSE(JsonBody(response).contains("loginUrl"));  // no viewer configured
}

TEST_F(AuthRoutesTest, GenerateTokenChecksTheUserPasswordPolicy) {
  auto body = GenerateBody();
  body["createUserIfNotExists"] = true;
  body["userPassword"] = "weakpassword";
  const auto response = Send(PostJson("/auth/generate-token", body));
  EXPECT_EQ(response.status, HttpStatus::bad_request);
  EXPECT_EQ(Message(response), kPasswordPolicyText);
  EXPECT_FALSE(service_->users().Lookup("alice"));
}

TEST_F(AuthRoutesTest, UpdatingAnExistingUserEndsTheirSessions) {
  const auto session = Login("alice", false);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(session.access)})).status, HttpStatus::ok);
  IssueOneOff("alice", false, std::string(kUserPassword));  // new password
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(session.access)})).status,
            HttpStatus::forbidden);
  const auto again = Login("alice", false);  // same permission, no password: nothing changes
  Login("alice", false);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(again.access)})).status, HttpStatus::ok);
  Login("alice", true);  // permission changed
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(again.access)})).status, HttpStatus::forbidden);
}

TEST_F(AuthRoutesTest, WrongAdminPasswordsAreRateLimitedPerAddress) {
  auto body = GenerateBody();
  body["password"] = "wrong";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Message(Send(PostJson("/auth/generate-token", body))), "Invalid admin password");
  }
  const auto limited = Send(PostJson("/auth/generate-token", GenerateBody()));
  EXPECT_EQ(limited.status, HttpStatus::too_many_requests);
  EXPECT_EQ(Header(limited, "Retry-After"), "60");
  auto elsewhere = PostJson("/auth/generate-token", GenerateBody());
  elsewhere.remote_address = "198.51.100.7";
  EXPECT_EQ(Message(Send(elsewhere)), "User doesn't exists");  // other addresses unaffected
  clock_.Advance(61s);
  EXPECT_EQ(Message(Send(PostJson("/auth/generate-token", GenerateBody()))), "User doesn't exists");
}

// ---- POST /auth/generate-access-token

TEST_F(AuthRoutesTest, ExchangeGivesAccessHeaderAndRefreshBody) {
  const auto one_off = IssueOneOff("alice", true);
  const auto response = Send(Post("/auth/generate-access-token", {Bearer(one_off)}));
  ASSERT_EQ(response.status, HttpStatus::ok) << Body(response);
  const auto header = Header(response, "Authorization");
  ASSERT_TRUE(header.starts_with("Bearer "));
  EXPECT_EQ(Payload(header.substr(7))["tokenType"], "access");
  EXPECT_EQ(Payload(header.substr(7))["canEditResource"], true);
  EXPECT_EQ(Payload(Body(response))["tokenType"], "refresh");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  const auto refresh = Payload(Body(response));
  EXPECT_EQ(refresh["exp"].get<long>() - refresh["iat"].get<long>(), 30 * 24 * 3600);
}

TEST_F(AuthRoutesTest, OneOffTokenIsSpentByTheExchange) {
  const auto one_off = IssueOneOff("alice", false);
  Exchange(one_off);
  const auto again = Send(Post("/auth/generate-access-token", {Bearer(one_off)}));
  EXPECT_EQ(again.status, HttpStatus::forbidden);
  EXPECT_EQ(Message(again), "Invalid Token");
}

TEST_F(AuthRoutesTest, ExchangeRefusesMissingExpiredAndWrongKindTokens) {
  const auto missing = Send(Post("/auth/generate-access-token"));
  EXPECT_EQ(missing.status, HttpStatus::unauthorized);
  EXPECT_EQ(Message(missing), "Missing Token");

  const auto session = Login("alice", false);
  EXPECT_EQ(Send(Post("/auth/generate-access-token", {Bearer(session.access)})).status,
            HttpStatus::forbidden);
  EXPECT_EQ(Send(Post("/auth/generate-access-token", {Bearer(session.refresh)})).status,
            HttpStatus::forbidden);

  const auto one_off = IssueOneOff("bob", false);
  clock_.Advance(24h);
  const auto expired = Send(Post("/auth/generate-access-token", {Bearer(one_off)}));
  EXPECT_EQ(expired.status, HttpStatus::unauthorized);
  EXPECT_EQ(Message(expired), "Token Expired");
}

TEST_F(AuthRoutesTest, ExchangeRecordsLastLogin) {
  Login("alice", false);
  const auto user = service_->users().Find("alice").value();
  ASSERT_TRUE(user && user->last_login);
}

// ---- POST /auth/refresh-token

TEST_F(AuthRoutesTest, RefreshGivesNewAccessTokenInHeader) {
  const auto session = Login("alice", false);
  clock_.Advance(23h);
  const auto response = Send(Post("/auth/refresh-token", {Bearer(session.refresh)}));
  ASSERT_EQ(response.status, HttpStatus::ok) << Body(response);
  const auto header = Header(response, "Authorization");
  ASSERT_TRUE(header.starts_with("Bearer "));
  const auto access = header.substr(7);
  EXPECT_NE(access, session.access);
  clock_.Advance(2h);  // the first access token has expired, the new one has not
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(session.access)})).status,
            HttpStatus::unauthorized);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(access)})).status, HttpStatus::ok);
}

TEST_F(AuthRoutesTest, RefreshRefusesAccessTokens) {
  const auto session = Login("alice", false);
  EXPECT_EQ(Send(Post("/auth/refresh-token", {Bearer(session.access)})).status,
            HttpStatus::forbidden);
  EXPECT_EQ(Send(Post("/auth/refresh-token")).status, HttpStatus::unauthorized);
}

// ---- POST /auth/generate-link-token

TEST_F(AuthRoutesTest, LinkTokensOpenTheArchiveForAMinuteReadOnly) {
  const auto session = Login("alice", true);
  const auto response = Send(Post("/auth/generate-link-token", {Bearer(session.access)}));
  ASSERT_EQ(response.status, HttpStatus::ok) << Body(response);
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  const std::string link = JsonBody(response)["token"];
  EXPECT_EQ(Payload(link)["tokenType"], "access");
  EXPECT_EQ(Payload(link)["exp"].get<std::int64_t>() - Payload(link)["iat"].get<std::int64_t>(),
            60);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(link)})).status, HttpStatus::ok);
  EXPECT_EQ(Payload(link)["canEditResource"], false) << "an editor's link token only reads";
  EXPECT_EQ(Send(Post("/zhiva/pacs/studies", {Bearer(link)})).status, HttpStatus::forbidden);
  EXPECT_EQ(Send(Post("/zhiva/pacs/studies", {Bearer(session.access)})).status, HttpStatus::ok);
  clock_.Advance(61s);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(link)})).status, HttpStatus::unauthorized);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(session.access)})).status, HttpStatus::ok);
}

TEST_F(AuthRoutesTest, LinkTokensNeverOutliveTheAccessTokenTheyCameFrom) {
  const auto session = Login("alice", false);
  clock_.Advance(24h - 20s);
  const auto first = Send(Post("/auth/generate-link-token", {Bearer(session.access)}));
  ASSERT_EQ(first.status, HttpStatus::ok) << Body(first);
  const std::string link = JsonBody(first)["token"];
  EXPECT_EQ(Payload(link)["exp"], Payload(session.access)["exp"]);
  // Nor can a chain of them.
  clock_.Advance(10s);
  const auto second = Send(Post("/auth/generate-link-token", {Bearer(link)}));
  ASSERT_EQ(second.status, HttpStatus::ok) << Body(second);
  EXPECT_EQ(Payload(JsonBody(second)["token"].get<std::string>())["exp"],
            Payload(session.access)["exp"]);
}

TEST_F(AuthRoutesTest, LinkTokensComeOnlyFromAccessTokens) {
  const auto session = Login("alice", false);
  EXPECT_EQ(Send(Post("/auth/generate-link-token", {Bearer(session.refresh)})).status,
            HttpStatus::forbidden);
  const auto one_off = IssueOneOff("bob", false);
  EXPECT_EQ(Send(Post("/auth/generate-link-token", {Bearer(one_off)})).status,
            HttpStatus::forbidden);
  EXPECT_EQ(Send(Post("/auth/generate-link-token")).status, HttpStatus::unauthorized);
}

// ---- POST /auth/sign-user

TEST_F(AuthRoutesTest, SignUserIssuesOneOffBoundToRefererOrigin) {
  IssueOneOff("alice", false, std::string(kUserPassword));
  const auto response =
      Send(PostJson("/auth/sign-user", {{"username", "alice"},
                                        {"password", kUserPassword},
                                        {"referer", "https://Viewer.Zhiva.ai:443/studies/x"}}));
  ASSERT_EQ(response.status, HttpStatus::ok) << Body(response);
  const std::string token = JsonBody(response)["token"];
  EXPECT_EQ(Payload(token)["aud"], "https://viewer.zhiva.ai");
  EXPECT_EQ(Payload(token)["tokenType"], "one-off");
  // The viewer exchanges it from its origin; another origin cannot.
  EXPECT_EQ(Send(Post("/auth/generate-access-token",
                      {Bearer(token), {"Origin", "https://evil.zhiva.ai"}}))
                .status,
            HttpStatus::forbidden);
  Exchange(token, "https://viewer.zhiva.ai");
}

TEST_F(AuthRoutesTest, SignUserRefusesWrongCredentialsAlike) {
  IssueOneOff("alice", false, std::string(kUserPassword));
  IssueOneOff("tokenonly", false);  // no password: cannot sign in
  for (const auto& [username, password] :
       {std::pair{"alice", "Wrong-passw0rd"}, std::pair{"nobody", kUserPassword},
        std::pair{"tokenonly", kUserPassword}}) {
    const auto response =
        Send(PostJson("/auth/sign-user", {{"username", username}, {"password", password}}));
    EXPECT_EQ(response.status, HttpStatus::bad_request) << username;
    EXPECT_EQ(Message(response), "Invalid data");
  }
  EXPECT_EQ(Message(Send(PostJson("/auth/sign-user", {{"password", "x"}}))), "username not valid");
  EXPECT_EQ(Message(Send(PostJson("/auth/sign-user", {{"username", "alice"}}))), "Invalid data");
  EXPECT_EQ(Message(Send(PostJson("/auth/sign-user", {{"username", "alice"},
                                                      {"password", kUserPassword},
                                                      {"referer", "javascript:alert(1)"}}))),
            "Invalid data");
}

TEST_F(AuthRoutesTest, SignUserIsRateLimited) {
  IssueOneOff("alice", false, std::string(kUserPassword));
  for (int i = 0; i < 5; ++i) {
    Send(PostJson("/auth/sign-user", {{"username", "alice"}, {"password", "Wrong-passw0rd"}}));
  }
  const auto limited =
      Send(PostJson("/auth/sign-user", {{"username", "alice"}, {"password", kUserPassword}}));
  EXPECT_EQ(limited.status, HttpStatus::too_many_requests);
  EXPECT_FALSE(Header(limited, "Retry-After").empty());
  // Guesses at users' passwords do not lock the admin out of that address.
  EXPECT_EQ(Message(Send(PostJson("/auth/generate-token", GenerateBody()))), "User already exists");
}

// ---- GET /auth/verify

TEST_F(AuthRoutesTest, VerifyAnswersWhoTheTokenBelongsTo) {
  const auto session = Login("alice", true);
  const auto response = Send(Get("/auth/verify", {Bearer(session.access)}));
  ASSERT_EQ(response.status, HttpStatus::ok);
  EXPECT_EQ(JsonBody(response),
            (nlohmann::json{
                {"username", "alice"}, {"name", "Name of alice"}, {"canEditResource", true}}));
  EXPECT_EQ(Send(Get("/auth/verify")).status, HttpStatus::unauthorized);
  EXPECT_EQ(Send(Get("/auth/verify", {Bearer("x.y.z")})).status, HttpStatus::forbidden);
  EXPECT_EQ(Send(Get("/auth/verify", {Bearer(session.refresh)})).status, HttpStatus::forbidden);
  clock_.Advance(25h);
  EXPECT_EQ(Send(Get("/auth/verify", {Bearer(session.access)})).status, HttpStatus::unauthorized);
}

TEST_F(AuthRoutesTest, VerifyServesNginxAuthRequest) {
  const auto reader = Login("reader", false);
  // The token of a ?token= link arrives only inside X-Original-URI.
  EXPECT_EQ(
      Send(Get("/auth/verify", {{"X-Original-URI", "/zhiva/pacs/studies?token=" + reader.access}}))
          .status,
      HttpStatus::ok);
  const auto write =
      Send(Get("/auth/verify", {Bearer(reader.access), {"X-Original-Method", "DELETE"}}));
  EXPECT_EQ(write.status, HttpStatus::forbidden);
  EXPECT_EQ(Message(write), "Unauthorized");
  const auto editor = Login("editor", true);
  EXPECT_EQ(
      Send(Get("/auth/verify", {Bearer(editor.access), {"X-Original-Method", "POST"}})).status,
      HttpStatus::ok);
}

// ---- POST /auth/revoke

TEST_F(AuthRoutesTest, RevokeRefusesTheTokenFromNowOn) {
  const auto session = Login("alice", false);
  const auto response = Send(Post("/auth/revoke", {Bearer(session.access)}));
  ASSERT_EQ(response.status, HttpStatus::ok) << Body(response);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(session.access)})).status,
            HttpStatus::forbidden);
  EXPECT_EQ(Send(Post("/auth/revoke", {Bearer(session.access)})).status, HttpStatus::forbidden);
  // The refresh token still works until it is revoked too.
  EXPECT_EQ(Send(Post("/auth/refresh-token", {Bearer(session.refresh)})).status, HttpStatus::ok);
  ASSERT_EQ(Send(Post("/auth/revoke", {Bearer(session.refresh)})).status, HttpStatus::ok);
  EXPECT_EQ(Send(Post("/auth/refresh-token", {Bearer(session.refresh)})).status,
            HttpStatus::forbidden);
}

// ---- GET /auth/.well-known/jwks.json and pages

TEST_F(AuthRoutesTest, JwksPublishesTheSigningKey) {
  const auto response = Send(Get("/auth/.well-known/jwks.json"));
  ASSERT_EQ(response.status, HttpStatus::ok);
  const auto jwks = JsonBody(response);
  ASSERT_EQ(jwks["keys"].size(), 1u);
  EXPECT_EQ(jwks["keys"][0], service_->key().Jwk());
  const auto token = IssueOneOff("alice", false);
  const auto header =
      nlohmann::json::parse(Base64UrlDecode(token.substr(0, token.find('.'))).value());
  EXPECT_EQ(header["kid"], jwks["keys"][0]["kid"]);
}

TEST_F(AuthRoutesTest, ServesPagesUnderStrictContentSecurityPolicy) {
  const auto page = Send(Get("/auth/token"));
  ASSERT_EQ(page.status, HttpStatus::ok);
  EXPECT_TRUE(Header(page, "Content-Type").starts_with("text/html"));
  EXPECT_NE(Header(page, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_NE(Header(page, "Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  // The explorer's pages, which load their modules relative to the auth path.
  EXPECT_NE(Body(page).find("src=\"auth/token.js\""), std::string::npos);
  EXPECT_EQ(Body(page).find("<script>"), std::string::npos);  // no inline script

  const auto script = Send(Get("/auth/auth/token.js"));
  ASSERT_EQ(script.status, HttpStatus::ok);
  EXPECT_TRUE(Header(script, "Content-Type").starts_with("text/javascript"));
  EXPECT_NE(Body(script).find("generate-token"), std::string::npos);
  EXPECT_EQ(Send(Get("/auth/auth/sign-in.js")).status, HttpStatus::ok);
  EXPECT_EQ(Send(Get("/auth/css/auth.css")).status, HttpStatus::ok);
  EXPECT_EQ(Send(Get("/auth/nothing.js")).status, HttpStatus::not_found);
}

TEST_F(AuthRoutesTest, SignInPageOnlyReturnsToAllowedPlaces) {
  EXPECT_EQ(Send(Get("/auth/sign-in")).status, HttpStatus::ok);
  for (const char* allowed :
       {"https://viewer.zhiva.ai/callback", "http://localhost:3000/", "/zhiva/app/explorer.html",
        "https://pacs.example:8443/zhiva/app/explorer.html"}) {
    EXPECT_EQ(
        Send(Get("/auth/sign-in?return_uri=" + PercentEncode(allowed) + "&response_type=%7B%7D"))
            .status,
        HttpStatus::ok)
        << allowed;
  }
  for (const char* refused :
       {"https://evil.example/", "https://zhiva.ai.evil.example/", "//evil.example/x",
        "javascript:alert(1)", "https://user@viewer.zhiva.ai/", "/\\evil.example"}) {
    const auto response = Send(Get("/auth/sign-in?return_uri=" + PercentEncode(refused)));
    EXPECT_EQ(response.status, HttpStatus::bad_request) << refused;
    // The page, marked for its script to say why, rather than bare JSON.
    EXPECT_NE(Body(response).find("<meta name=\"tessera-refused\" content=\"return_uri\">"),
              std::string::npos)
        << refused;
  }
}

// The production default algorithm, with configured URLs.
class AuthRoutesWithViewerTest : public AuthRoutesTest {
 protected:
  AuthRoutesWithViewerTest() { algorithm_ = "RS256"; }
  void Customize(AuthOptions& options) override {
    options.viewer_base_url = "https://viewer.zhiva.ai/";
    options.public_base_url = "https://pacs.clinic.lan";
  }
};

TEST_F(AuthRoutesWithViewerTest, UsesConfiguredUrlsAndAddsLoginLink) {
  auto body = GenerateBody();
  body["createUserIfNotExists"] = true;
  const auto response = Send(PostJson("/auth/generate-token", body));
  ASSERT_EQ(response.status, HttpStatus::ok);
  const std::string token = JsonBody(response)["token"];
  EXPECT_EQ(JsonBody(response)["loginUrl"], "https://viewer.zhiva.ai/auth/oauth?token=" + token);
  EXPECT_EQ(Payload(token)["pacs"], "https://pacs.clinic.lan/zhiva/pacs");
  const auto header =
      nlohmann::json::parse(Base64UrlDecode(token.substr(0, token.find('.'))).value());
  EXPECT_EQ(header["alg"], "RS256");
  const auto session = Exchange(token);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(session.access)})).status, HttpStatus::ok);
}

// A token cannot be spent or recorded on a full disk: the caller is told so, as
// by the archive, rather than given a bare 500.
TEST(AuthRouteSupportTest, AFullDiskIsToldAsSuch) {
  const auto full = Unexpected(Error{ErrorCode::kStorageFull, "step: database or disk is full"});
  EXPECT_EQ(full.status, HttpStatus::insufficient_storage);
  EXPECT_NE(Body(full).find("storage is full"), std::string::npos) << Body(full);
  EXPECT_EQ(Body(full).find("database or disk"), std::string::npos) << Body(full);
  EXPECT_EQ(Header(full, "Cache-Control"), "no-store");

  const auto other = Unexpected(Error{ErrorCode::kIo, "step: disk I/O error"});
  EXPECT_EQ(other.status, HttpStatus::internal_server_error);
  EXPECT_EQ(JsonBody(other).value("message", ""), "Unexpected error");
}

}  // namespace
}  // namespace tessera::auth
