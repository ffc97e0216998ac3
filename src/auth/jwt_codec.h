#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "auth/signing_key.h"
#include "base/result.h"

namespace tessera::auth {

// What a token may be used for. The kind is a signed claim ("tokenType"), so a
// refresh token can never pass where an access token is wanted, and so on.
enum class TokenKind {
  kOneOff,   // handed to a person; exchanged once for an access + refresh pair
  kAccess,   // sent with every archive request
  kRefresh,  // exchanged for new access tokens
};

// "one-off", "access", "refresh": the claim values.
std::string_view TokenKindName(TokenKind kind);

// The claims of a Tessera JWT. The zhiva-compatible names are kept on the wire
// ("username", "name", "canEditResource", "tokenServer", "refreshServer",
// "pacs") so that existing viewers read them unchanged.
struct TokenClaims {
  TokenKind kind = TokenKind::kAccess;
  std::string issuer;                   // iss
  std::string subject;                  // sub and username
  std::string name;                     // the person's display name
  bool can_edit = false;                // canEditResource
  std::string user_version;             // the user's credential version when issued
  std::string jti;                      // unique id, for spending and revoking
  std::optional<std::string> audience;  // aud: the origin the token is bound to
  std::chrono::sys_seconds issued_at{};
  std::chrono::sys_seconds expires_at{};
  // One-off tokens only: absolute URLs telling a viewer where to go next.
  std::string token_server;
  std::string refresh_server;
  std::string pacs;
};

// Signs claims into compact JWS tokens (libjwt) and checks tokens back into
// claims with one SigningKey. Decode accepts only the key's own algorithm and
// key id: "none", HMAC made with the public key as the secret and any other
// algorithm are refused from the header, and the signature is verified with the
// key's algorithm by OpenSSL on the already parsed key (libjwt 1.10 would parse
// the PEM again for every token, ~15 times the cost of the check itself).
// Time, issuer, audience, revocation and user checks belong to the caller
// (TokenService). Thread-safe; the key is borrowed and must outlive the codec.
class JwtCodec {
 public:
  explicit JwtCodec(const SigningKey& key) : key_(key) {}

  // Errors: kInternal when signing fails.
  Result<std::string> Encode(const TokenClaims& claims) const;

  // Errors: kUnauthenticated for a malformed token, a header other than
  // {"alg": <the key's>, "kid": <the key's>}, a bad signature, or missing or
  // mistyped claims. The message is for logs, never for clients.
  Result<TokenClaims> Decode(std::string_view token) const;

  const SigningKey& key() const { return key_; }

 private:
  const SigningKey& key_;
};

}  // namespace tessera::auth
