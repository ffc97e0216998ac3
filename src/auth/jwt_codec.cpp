#include "auth/jwt_codec.h"

#include <cstdlib>
#include <memory>

#include <jwt.h>
#include <nlohmann/json.hpp>

#include "auth/crypto_util.h"

namespace tessera::auth {
namespace {

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
struct CFree {
  void operator()(char* p) const { std::free(p); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
using CString = std::unique_ptr<char, CFree>;

// Our tokens are under 1 KiB; the bound keeps hostile input cheap to refuse.
constexpr std::size_t kMaxTokenBytes = 8192;

Error Invalid(std::string message) {
  return Error{ErrorCode::kUnauthenticated, std::move(message)};
}

jwt_alg_t LibjwtAlgorithm(SigningAlgorithm algorithm) {
  return algorithm == SigningAlgorithm::kEs256 ? JWT_ALG_ES256 : JWT_ALG_RS256;
}

std::optional<TokenKind> ParseKind(std::string_view name) {
  if (name == "one-off") return TokenKind::kOneOff;
  if (name == "access") return TokenKind::kAccess;
  if (name == "refresh") return TokenKind::kRefresh;
  return std::nullopt;
}

nlohmann::json ParseJsonObject(std::string_view base64url) {
  auto bytes = Base64UrlDecode(base64url);
  if (!bytes) return nlohmann::json();
  auto json = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  return json.is_object() ? json : nlohmann::json();
}

const std::string* StringMember(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

std::optional<std::int64_t> IntegerMember(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

Status CheckHeader(std::string_view encoded, const SigningKey& key) {
  const auto header = ParseJsonObject(encoded);
  if (header.is_null()) return Invalid("token header is not a JSON object");
  const auto* alg = StringMember(header, "alg");
  if (alg == nullptr || *alg != AlgorithmName(key.algorithm())) {
    return Invalid("token algorithm is not " + std::string(AlgorithmName(key.algorithm())));
  }
  const auto* kid = StringMember(header, "kid");
  if (kid == nullptr || !ConstantTimeEquals(*kid, key.kid())) return Invalid("unknown key id");
  // RFC 7515 §4.1.11: extensions we do not understand must make the token invalid.
  if (header.contains("crit")) return Invalid("token has critical header extensions");
  const auto* typ = StringMember(header, "typ");
  if (header.contains("typ") && (typ == nullptr || *typ != "JWT")) return Invalid("typ is not JWT");
  return Ok();
}

Result<TokenClaims> ClaimsFromPayload(const nlohmann::json& payload) {
  const auto* iss = StringMember(payload, "iss");
  const auto* sub = StringMember(payload, "sub");
  const auto* username = StringMember(payload, "username");
  const auto* name = StringMember(payload, "name");
  const auto* type = StringMember(payload, "tokenType");
  const auto* version = StringMember(payload, "userVersion");
  const auto* jti = StringMember(payload, "jti");
  const auto iat = IntegerMember(payload, "iat");
  const auto exp = IntegerMember(payload, "exp");
  const auto can_edit = payload.find("canEditResource");
  const bool complete = iss && sub && username && name && type && version && jti && iat && exp &&
                        can_edit != payload.end() && can_edit->is_boolean();
  if (!complete) return Invalid("token claims are missing or mistyped");
  if (*sub != *username || sub->empty()) return Invalid("token subject is inconsistent");
  const auto kind = ParseKind(*type);
  if (!kind) return Invalid("unknown token type");

  TokenClaims claims;
  claims.kind = *kind;
  claims.issuer = *iss;
  claims.subject = *sub;
  claims.name = *name;
  claims.can_edit = can_edit->get<bool>();
  claims.user_version = *version;
  claims.jti = *jti;
  claims.issued_at = std::chrono::sys_seconds(std::chrono::seconds(*iat));
  claims.expires_at = std::chrono::sys_seconds(std::chrono::seconds(*exp));
  if (payload.contains("aud")) {
    const auto* aud = StringMember(payload, "aud");
    if (aud == nullptr) return Invalid("token audience is not a string");
    claims.audience = *aud;
  }
  if (claims.kind == TokenKind::kOneOff) {
    for (auto [member, target] :
         {std::pair{"tokenServer", &claims.token_server},
          std::pair{"refreshServer", &claims.refresh_server}, std::pair{"pacs", &claims.pacs}}) {
      if (const auto* value = StringMember(payload, member)) *target = *value;
    }
  }
  return claims;
}

}  // namespace

std::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kOneOff:
      return "one-off";
    case TokenKind::kAccess:
      return "access";
    case TokenKind::kRefresh:
      return "refresh";
  }
  return "access";
}

Result<std::string> JwtCodec::Encode(const TokenClaims& claims) const {
  nlohmann::json payload = {
      {"iss", claims.issuer},
      {"sub", claims.subject},
      {"username", claims.subject},
      {"name", claims.name},
      {"canEditResource", claims.can_edit},
      {"tokenType", TokenKindName(claims.kind)},
      {"userVersion", claims.user_version},
      {"jti", claims.jti},
      {"iat", claims.issued_at.time_since_epoch().count()},
      {"exp", claims.expires_at.time_since_epoch().count()},
  };
  if (claims.audience) payload["aud"] = *claims.audience;
  if (claims.kind == TokenKind::kOneOff) {
    payload["tokenServer"] = claims.token_server;
    payload["refreshServer"] = claims.refresh_server;
    payload["pacs"] = claims.pacs;
  }
  const std::string payload_json =
      payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return Fail(ErrorCode::kInternal, "jwt_new failed");
  JwtPtr jwt(raw);
  const auto& pem = key_.private_pem();
  const bool built = jwt_add_header(jwt.get(), "kid", key_.kid().c_str()) == 0 &&
                     jwt_add_grants_json(jwt.get(), payload_json.c_str()) == 0 &&
                     jwt_set_alg(jwt.get(), LibjwtAlgorithm(key_.algorithm()),
                                 reinterpret_cast<const unsigned char*>(pem.data()),
                                 static_cast<int>(pem.size())) == 0;
  if (!built) return Fail(ErrorCode::kInternal, "cannot build the token");
  CString token(jwt_encode_str(jwt.get()));
  if (!token) return Fail(ErrorCode::kInternal, "cannot sign the token");
  return std::string(token.get());
}

Result<TokenClaims> JwtCodec::Decode(std::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return Invalid("token size out of range");
  const auto first_dot = token.find('.');
  const auto second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != token.npos ||
      second_dot + 1 == token.size()) {
    return Invalid("token is not a signed compact JWS");
  }
  // The algorithm is the key's, never the token's: a token claiming any other
  // (HS256 with the public key as the secret, "none", ...) is refused here, and
  // the signature is then checked with the key's own algorithm only.
  if (auto status = CheckHeader(token.substr(0, first_dot), key_); !status) {
    return std::move(status).error();
  }

  const auto signature = Base64UrlDecode(token.substr(second_dot + 1));
  if (!signature || !key_.VerifySignature(token.substr(0, second_dot), *signature)) {
    return Invalid("token signature does not verify");
  }
  // The signature covers these exact bytes, so parsing them ourselves is sound.
  const auto payload = ParseJsonObject(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (payload.is_null()) return Invalid("token payload is not a JSON object");
  return ClaimsFromPayload(payload);
}

}  // namespace tessera::auth
