#pragma once

#include <array>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/auth_options.h"
#include "auth/crypto_util.h"
#include "auth/jwt_codec.h"
#include "auth/token_registry.h"
#include "auth/user_store.h"
#include "base/clock.h"
#include "base/result.h"

namespace tessera::auth {

// Whom a token is issued to: the user's state at issue time.
struct TokenSubject {
  std::string username;
  std::string name;
  bool can_edit = false;
  std::string version;
};

// What generate-access-token hands out.
struct SessionTokens {
  std::string access;
  std::string refresh;
};

// Kinds accepted for each use.
inline constexpr TokenKind kArchiveKinds[] = {TokenKind::kAccess, TokenKind::kOneOff};
inline constexpr TokenKind kOneOffKinds[] = {TokenKind::kOneOff};
inline constexpr TokenKind kAccessKinds[] = {TokenKind::kAccess};
inline constexpr TokenKind kRefreshKinds[] = {TokenKind::kRefresh};
inline constexpr TokenKind kAnyKinds[] = {TokenKind::kOneOff, TokenKind::kAccess,
                                          TokenKind::kRefresh};

// Issues and verifies Tessera tokens. Verify runs entirely in memory (the
// signature check, ~30-60 µs, is cached per token for a minute), so the guard
// can call it on I/O threads; Issue* sign with the private key (~1 ms for RSA)
// and Spend/Revoke write SQLite, so those belong on the BlockingPool.
// Thread-safe. Everything passed to the constructor must outlive the service.
class TokenService {
 public:
  TokenService(const AuthOptions& options, const JwtCodec& codec, UserStore& users,
               TokenRegistry& registry, const Clock& clock)
      : options_(options), codec_(codec), users_(users), registry_(registry), clock_(clock) {}
  TokenService(const TokenService&) = delete;
  TokenService& operator=(const TokenService&) = delete;

  // A one-off token for `subject`, bound to `audience` (an origin) when given,
  // with tokenServer/refreshServer/pacs URLs under `base_url` (e.g.
  // "https://pacs.example:8443"). Errors: kInternal.
  Result<std::string> IssueOneOff(const TokenSubject& subject,
                                  const std::optional<std::string>& audience,
                                  std::string_view base_url) const;

  // An access and a refresh token for the holder of a verified one-off token.
  // They are bound to `origin` when non-empty, else to the one-off's audience.
  Result<SessionTokens> IssueSession(const TokenClaims& one_off, std::string_view origin) const;

  // A new access token for the holder of a verified refresh token, bound as
  // IssueSession binds.
  Result<std::string> IssueAccess(const TokenClaims& refresh, std::string_view origin) const;

  // An access token for a link the browser follows without headers (a study's
  // zip): `access`'s holder and binding, read-only (canEditResource false, so a
  // copy cannot store or delete), valid kLinkTokenLifetime and never past
  // `access`'s own expiry, so that the copy a browser keeps in its history is
  // soon worthless and one cannot be renewed from another. Errors: kInternal.
  static constexpr std::chrono::seconds kLinkTokenLifetime{60};
  Result<std::string> IssueLink(const TokenClaims& access) const;

  // Checks a token for one use: its signature, key and algorithm; iss; kind in
  // `kinds`; exp; aud against `origin` when both are present; not spent or
  // revoked; the user still exists with the version the token was issued under.
  // Errors: kExpired for an expired token (checked after the signature);
  // kConflict when the user is unknown or their version differs from the
  // token's (deleted, changed, revoked - or changed by another process and not
  // yet reloaded); kUnauthenticated for everything else wrong. Never blocks.
  Result<TokenClaims> Verify(std::string_view token, std::span<const TokenKind> kinds,
                             std::string_view origin) const;

  // Blocking. Spends a verified one-off token: true for the first call only.
  Result<bool> Spend(const TokenClaims& one_off) {
    return registry_.Spend(one_off.jti, one_off.expires_at);
  }
  // Blocking. Refuses the token from now on.
  Status Revoke(const TokenClaims& claims) {
    return registry_.Revoke(claims.jti, claims.expires_at);
  }

  const AuthOptions& options() const { return options_; }

 private:
  Result<TokenClaims> NewClaims(TokenKind kind, const TokenSubject& subject,
                                std::optional<std::string> audience,
                                std::chrono::seconds lifetime) const;
  Result<TokenClaims> DecodeCached(std::string_view token) const;

  struct DigestHash {
    std::size_t operator()(const Sha256Digest& d) const {
      std::size_t h;
      static_assert(sizeof(h) <= sizeof(Sha256Digest));
      std::memcpy(&h, d.data(), sizeof(h));
      return h;
    }
  };
  struct DigestEqual {
    bool operator()(const Sha256Digest& a, const Sha256Digest& b) const;
  };
  struct CachedClaims {
    TokenClaims claims;
    std::chrono::system_clock::time_point verified_at;
  };

  const AuthOptions& options_;
  const JwtCodec& codec_;
  UserStore& users_;
  TokenRegistry& registry_;
  const Clock& clock_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<Sha256Digest, CachedClaims, DigestHash, DigestEqual> cache_;
};

}  // namespace tessera::auth
