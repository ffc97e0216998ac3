#include "auth/token_service.h"

#include <gtest/gtest.h>

#include "auth/auth_database.h"
#include "test_support.h"

namespace tessera::auth {
namespace {

using namespace std::chrono_literals;

constexpr char kViewer[] = "https://viewer.example";

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    codec_.emplace(testing::TestKey(SigningAlgorithm::kRs256));
    auto db = OpenAuthDatabase(dir_.path() / "auth.db");
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    users_ = std::move(UserStore::Open(*db_, clock_).value());
    registry_ = std::move(TokenRegistry::Open(*db_, clock_).value());
    options_.issuer = "tessera-test";
    service_ = std::make_unique<TokenService>(options_, *codec_, *users_, *registry_, clock_);
    alice_ = users_->Create(UserChange{"alice", "Alice", false, std::nullopt}).value();
  }

  TokenSubject Alice() {
    const auto state = users_->Lookup("alice").value();
    return TokenSubject{"alice", state.name, state.can_edit, state.version};
  }

  std::string OneOff(std::optional<std::string> audience = std::nullopt) {
    return service_->IssueOneOff(Alice(), audience, "https://pacs.example:8443/").value();
  }

  SessionTokens Session(std::string_view origin = "") {
    const auto one_off = service_->Verify(OneOff(), kOneOffKinds, origin).value();
    return service_->IssueSession(one_off, origin).value();
  }

  ErrorCode VerifyError(const std::string& token, std::span<const TokenKind> kinds,
                        std::string_view origin = "") {
    auto claims = service_->Verify(token, kinds, origin);
    EXPECT_FALSE(claims) << "accepted";
    return claims ? ErrorCode::kInternal : claims.error().code;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  AuthOptions options_;
  std::optional<JwtCodec> codec_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<TokenRegistry> registry_;
  std::unique_ptr<TokenService> service_;
  User alice_;
};

TEST_F(TokenServiceTest, OneOffTokenCarriesServerUrls) {
  const auto claims = service_->Verify(OneOff(), kOneOffKinds, "").value();
  EXPECT_EQ(claims.kind, TokenKind::kOneOff);
  EXPECT_EQ(claims.issuer, "tessera-test");
  EXPECT_EQ(claims.subject, "alice");
  EXPECT_EQ(claims.token_server, "https://pacs.example:8443/auth/generate-access-token");
  EXPECT_EQ(claims.refresh_server, "https://pacs.example:8443/auth/refresh-token");
  EXPECT_EQ(claims.pacs, "https://pacs.example:8443/zhiva/pacs");
  EXPECT_EQ(claims.expires_at - claims.issued_at, 24h);
  EXPECT_FALSE(claims.audience);
}

TEST_F(TokenServiceTest, SessionTokensHaveTheirKindsAndLifetimes) {
  const auto session = Session(kViewer);
  const auto access = service_->Verify(session.access, kArchiveKinds, kViewer).value();
  EXPECT_EQ(access.kind, TokenKind::kAccess);
  EXPECT_EQ(access.expires_at - access.issued_at, 24h);
  EXPECT_EQ(access.audience, kViewer);
  const auto refresh = service_->Verify(session.refresh, kRefreshKinds, kViewer).value();
  EXPECT_EQ(refresh.expires_at - refresh.issued_at, 24h * 30);
  EXPECT_NE(access.jti, refresh.jti);
}

TEST_F(TokenServiceTest, RefusesRefreshTokenAsAccessToken) {
  const auto session = Session();
  EXPECT_EQ(VerifyError(session.refresh, kArchiveKinds), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyError(session.access, kRefreshKinds), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyError(session.access, kOneOffKinds), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyError(OneOff(), kRefreshKinds), ErrorCode::kUnauthenticated);
}

TEST_F(TokenServiceTest, RefusesExpiredTokensAsExpired) {
  const auto session = Session();
  clock_.Advance(24h - 1s);
  EXPECT_TRUE(service_->Verify(session.access, kArchiveKinds, ""));
  clock_.Advance(1s);
  EXPECT_EQ(VerifyError(session.access, kArchiveKinds), ErrorCode::kExpired);
  EXPECT_TRUE(service_->Verify(session.refresh, kRefreshKinds, ""));
  clock_.Advance(24h * 30);
  EXPECT_EQ(VerifyError(session.refresh, kRefreshKinds), ErrorCode::kExpired);
}

TEST_F(TokenServiceTest, RefusesTokensOfAnotherIssuer) {
  AuthOptions other = options_;
  other.issuer = "someone-else";
  TokenService foreign(other, *codec_, *users_, *registry_, clock_);
  const auto token = foreign.IssueOneOff(Alice(), std::nullopt, "https://x").value();
  EXPECT_EQ(VerifyError(token, kOneOffKinds), ErrorCode::kUnauthenticated);
}

TEST_F(TokenServiceTest, ChecksAudienceAgainstOriginWhenBothArePresent) {
  const auto bound = OneOff(std::string(kViewer));
  EXPECT_TRUE(service_->Verify(bound, kOneOffKinds, kViewer));
  EXPECT_TRUE(service_->Verify(bound, kOneOffKinds, ""));  // non-browser client
  EXPECT_EQ(VerifyError(bound, kOneOffKinds, "https://evil.example"), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyError(bound, kOneOffKinds, "https://viewer.example:444"),
            ErrorCode::kUnauthenticated);
  const auto unbound = OneOff();
  EXPECT_TRUE(service_->Verify(unbound, kOneOffKinds, "https://anywhere.example"));
}

TEST_F(TokenServiceTest, SessionKeepsTheOneOffBindingWithoutOrigin) {
  const auto one_off = service_->Verify(OneOff(std::string(kViewer)), kOneOffKinds, "").value();
  const auto session = service_->IssueSession(one_off, "").value();
  EXPECT_EQ(VerifyError(session.access, kArchiveKinds, "https://evil.example"),
            ErrorCode::kUnauthenticated);
  const auto refresh = service_->Verify(session.refresh, kRefreshKinds, kViewer).value();
  const auto access = service_->IssueAccess(refresh, "").value();
  EXPECT_EQ(service_->Verify(access, kArchiveKinds, kViewer)->audience, kViewer);
}

TEST_F(TokenServiceTest, RefusesSpentOneOffToken) {
  const auto token = OneOff();
  const auto claims = service_->Verify(token, kOneOffKinds, "").value();
  EXPECT_TRUE(service_->Spend(claims).value());
  EXPECT_FALSE(service_->Spend(claims).value());
  EXPECT_EQ(VerifyError(token, kOneOffKinds), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyError(token, kArchiveKinds), ErrorCode::kUnauthenticated);
}

TEST_F(TokenServiceTest, RefusesRevokedTokenEvenWhenItsSignatureIsCached) {
  const auto session = Session();
  const auto claims = service_->Verify(session.access, kArchiveKinds, "").value();  // now cached
  ASSERT_TRUE(service_->Revoke(claims));
  EXPECT_EQ(VerifyError(session.access, kArchiveKinds), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(service_->Verify(session.refresh, kRefreshKinds, ""));  // only itself
}

TEST_F(TokenServiceTest, RefusesTokensOfDeletedUserEvenIfRecreated) {
  const auto session = Session();
  ASSERT_TRUE(users_->Delete("alice"));
  EXPECT_EQ(VerifyError(session.access, kArchiveKinds), ErrorCode::kConflict);
  ASSERT_TRUE(users_->Create(UserChange{"alice", "Alice", false, std::nullopt}));
  EXPECT_EQ(VerifyError(session.access, kArchiveKinds), ErrorCode::kConflict);
  EXPECT_EQ(VerifyError(session.refresh, kRefreshKinds), ErrorCode::kConflict);
}

TEST_F(TokenServiceTest, RefusesTokensIssuedBeforePasswordChange) {
  const auto session = Session();
  const auto one_off = OneOff();
  ASSERT_TRUE(users_->SetPassword("alice", "$argon2id$new"));
  EXPECT_EQ(VerifyError(session.access, kArchiveKinds), ErrorCode::kConflict);
  EXPECT_EQ(VerifyError(session.refresh, kRefreshKinds), ErrorCode::kConflict);
  EXPECT_EQ(VerifyError(one_off, kOneOffKinds), ErrorCode::kConflict);
  EXPECT_TRUE(service_->Verify(OneOff(), kOneOffKinds, ""));  // new tokens are fine
}

TEST_F(TokenServiceTest, RefusesTokensIssuedBeforePermissionChange) {
  const auto session = Session();
  ASSERT_TRUE(users_->SetPermission("alice", true));
  EXPECT_EQ(VerifyError(session.access, kArchiveKinds), ErrorCode::kConflict);
  const auto fresh = service_->Verify(OneOff(), kOneOffKinds, "").value();
  EXPECT_TRUE(fresh.can_edit);
}

TEST_F(TokenServiceTest, RefusesTokensAfterUserRevocation) {
  const auto session = Session();
  ASSERT_TRUE(users_->RevokeTokens("alice"));
  EXPECT_EQ(VerifyError(session.access, kArchiveKinds), ErrorCode::kConflict);
  EXPECT_EQ(VerifyError(session.refresh, kRefreshKinds), ErrorCode::kConflict);
}

TEST_F(TokenServiceTest, RefusesGarbage) {
  EXPECT_EQ(VerifyError("", kArchiveKinds), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyError("not.a.token", kArchiveKinds), ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace tessera::auth
