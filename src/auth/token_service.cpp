#include "auth/token_service.h"

#include <algorithm>

#include <openssl/crypto.h>

namespace tessera::auth {
namespace {

// Long enough to spare repeated RSA checks on a page full of thumbnails, short
// enough that the cache stays small.
constexpr std::chrono::seconds kCacheLifetime{60};
constexpr std::size_t kMaxCachedTokens = 10000;
constexpr std::size_t kJtiBytes = 16;

Error InvalidToken(std::string message) {
  return Error{ErrorCode::kUnauthenticated, std::move(message)};
}

std::optional<std::string> Bind(std::string_view origin,
                                const std::optional<std::string>& fallback) {
  if (!origin.empty()) return std::string(origin);
  return fallback;
}

TokenSubject SubjectOf(const TokenClaims& claims) {
  return TokenSubject{claims.subject, claims.name, claims.can_edit, claims.user_version};
}

}  // namespace

bool TokenService::DigestEqual::operator()(const Sha256Digest& a, const Sha256Digest& b) const {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<TokenClaims> TokenService::NewClaims(TokenKind kind, const TokenSubject& subject,
                                            std::optional<std::string> audience,
                                            std::chrono::seconds lifetime) const {
  auto jti = RandomBytes(kJtiBytes);
  if (!jti) return std::move(jti).error();
  TokenClaims claims;
  claims.kind = kind;
  claims.issuer = options_.issuer;
  claims.subject = subject.username;
  claims.name = subject.name;
  claims.can_edit = subject.can_edit;
  claims.user_version = subject.version;
  claims.jti = Base64UrlEncode(*jti);
  claims.audience = std::move(audience);
  claims.issued_at = std::chrono::time_point_cast<std::chrono::seconds>(clock_.Now());
  claims.expires_at = claims.issued_at + lifetime;
  return claims;
}

Result<std::string> TokenService::IssueOneOff(const TokenSubject& subject,
                                              const std::optional<std::string>& audience,
                                              std::string_view base_url) const {
  auto claims = NewClaims(TokenKind::kOneOff, subject, audience, options_.one_off_lifetime);
  if (!claims) return std::move(claims).error();
  std::string base(base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  claims->token_server = base + options_.auth_prefix + "/generate-access-token";
  claims->refresh_server = base + options_.auth_prefix + "/refresh-token";
  claims->pacs = base + options_.pacs_url_path;
  return codec_.Encode(*claims);
}

Result<SessionTokens> TokenService::IssueSession(const TokenClaims& one_off,
                                                 std::string_view origin) const {
  const auto subject = SubjectOf(one_off);
  const auto audience = Bind(origin, one_off.audience);
  auto access = NewClaims(TokenKind::kAccess, subject, audience, options_.access_lifetime);
  if (!access) return std::move(access).error();
  auto refresh = NewClaims(TokenKind::kRefresh, subject, audience, options_.refresh_lifetime);
  if (!refresh) return std::move(refresh).error();
  auto access_token = codec_.Encode(*access);
  if (!access_token) return std::move(access_token).error();
  auto refresh_token = codec_.Encode(*refresh);
  if (!refresh_token) return std::move(refresh_token).error();
  return SessionTokens{std::move(*access_token), std::move(*refresh_token)};
}

Result<std::string> TokenService::IssueAccess(const TokenClaims& refresh,
                                              std::string_view origin) const {
  auto access = NewClaims(TokenKind::kAccess, SubjectOf(refresh), Bind(origin, refresh.audience),
                          options_.access_lifetime);
  if (!access) return std::move(access).error();
  return codec_.Encode(*access);
}

Result<std::string> TokenService::IssueLink(const TokenClaims& access) const {
  TokenSubject reader = SubjectOf(access);
  reader.can_edit = false;
  auto link = NewClaims(TokenKind::kAccess, reader, access.audience, kLinkTokenLifetime);
  if (!link) return std::move(link).error();
  link->expires_at = std::min(link->expires_at, access.expires_at);
  return codec_.Encode(*link);
}

Result<TokenClaims> TokenService::DecodeCached(std::string_view token) const {
  const auto digest = Sha256(token);
  const auto now = clock_.Now();
  {
    std::lock_guard lock(cache_mutex_);
    const auto it = cache_.find(digest);
    if (it != cache_.end() && now - it->second.verified_at < kCacheLifetime &&
        now >= it->second.verified_at) {
      return it->second.claims;
    }
  }
  auto claims = codec_.Decode(token);
  if (!claims) return claims;
  std::lock_guard lock(cache_mutex_);
  // Dropping everything at the bound is crude but O(1) amortised and safe:
  // the cache only ever saves work.
  if (cache_.size() >= kMaxCachedTokens) cache_.clear();
  cache_.insert_or_assign(digest, CachedClaims{*claims, now});
  return claims;
}

Result<TokenClaims> TokenService::Verify(std::string_view token, std::span<const TokenKind> kinds,
                                         std::string_view origin) const {
  auto claims = DecodeCached(token);
  if (!claims) return claims;
  if (claims->issuer != options_.issuer) return InvalidToken("token issuer is not ours");
  if (std::find(kinds.begin(), kinds.end(), claims->kind) == kinds.end()) {
    return InvalidToken(std::string(TokenKindName(claims->kind)) + " token not accepted here");
  }
  if (clock_.Now() >= claims->expires_at) return Fail(ErrorCode::kExpired, "Token Expired");
  // Browsers always send Origin cross-origin, so a token bound to one site cannot
  // be replayed from another site's pages; non-browser clients send none.
  if (claims->audience && !origin.empty() && *claims->audience != origin) {
    return InvalidToken("token is bound to another origin");
  }
  if (registry_.IsBlocked(claims->jti)) return InvalidToken("token was spent or revoked");
  const auto user = users_.Lookup(claims->subject);
  // kConflict: memory may lag behind a change made by the command line; callers
  // that can wait reload and ask again (see StateRefresher).
  if (!user) return Fail(ErrorCode::kConflict, "token user is unknown");
  if (user->version != claims->user_version) {
    return Fail(ErrorCode::kConflict, "token and user differ in password or permission version");
  }
  return claims;
}

}  // namespace tessera::auth
