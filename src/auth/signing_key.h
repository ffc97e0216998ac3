#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>
#include <openssl/types.h>

#include "base/result.h"

namespace tessera::auth {

// The JWS algorithms Tessera signs with. Verification accepts exactly the one
// the key was made for.
enum class SigningAlgorithm {
  kRs256,  // RSASSA-PKCS1-v1_5 with SHA-256, RSA 2048
  kEs256,  // ECDSA P-256 with SHA-256
};

// "RS256" / "ES256".
std::string_view AlgorithmName(SigningAlgorithm algorithm);
// Errors: kInvalidArgument for anything but "RS256" and "ES256".
Result<SigningAlgorithm> ParseSigningAlgorithm(std::string_view name);

// A private signing key with its public half, key id and JWK, computed once.
// The key id is the RFC 7638 JWK thumbprint (SHA-256, base64url), so it is
// stable for a key and changes when the key does. Immutable (OpenSSL 3 keys may
// be shared by threads for verification), so thread-safe.
class SigningKey {
 public:
  SigningKey(SigningKey&&) = default;
  SigningKey& operator=(SigningKey&&) = default;
  ~SigningKey();

  // A new key from the OpenSSL CSPRNG. Errors: kInternal.
  static Result<SigningKey> Generate(SigningAlgorithm algorithm);
  // Loads a PEM private key (PKCS#8 or traditional). Errors: kInvalidArgument
  // when it is not an RSA key of at least 2048 bits or an EC P-256 key.
  static Result<SigningKey> FromPrivatePem(std::string_view pem);

  SigningAlgorithm algorithm() const { return algorithm_; }
  const std::string& kid() const { return kid_; }
  // PKCS#8 PEM: a secret, never log it.
  const std::string& private_pem() const { return private_pem_; }
  // SubjectPublicKeyInfo PEM.
  const std::string& public_pem() const { return public_pem_; }
  // The public JWK with "kid", "alg" and "use": "sig".
  nlohmann::json Jwk() const;
  // {"keys": [Jwk()]} serialised: the body of /.well-known/jwks.json.
  std::string JwksJson() const;

  // True when `signature` (the raw JWS signature bytes: PKCS#1 v1.5 for RS256,
  // R||S for ES256) signs `signing_input` with this key under its own algorithm.
  // Uses the parsed key directly (~20 µs for RSA 2048), unlike libjwt, which
  // re-parses the PEM on every call (~300 µs).
  bool VerifySignature(std::string_view signing_input, std::string_view signature) const;

 private:
  SigningKey() = default;

  struct PkeyFree {
    void operator()(EVP_PKEY* key) const;
  };

  SigningAlgorithm algorithm_ = SigningAlgorithm::kRs256;
  std::unique_ptr<EVP_PKEY, PkeyFree> key_;
  std::string kid_;
  std::string private_pem_;
  std::string public_pem_;
  std::string jwk_json_;  // public members only, kid/alg/use included
};

}  // namespace tessera::auth
