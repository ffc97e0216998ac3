#include "auth/signing_key.h"

#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "auth/crypto_util.h"

namespace tessera::auth {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string PublicPemOf(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

std::string PrivatePemOf(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

std::unique_ptr<BIGNUM, decltype(&BN_free)> Bn(const std::string& base64url) {
  const auto bytes = Base64UrlDecode(base64url).value();
  return {BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                    static_cast<int>(bytes.size()), nullptr),
          BN_free};
}

// Rebuilds a public key from a JWK alone, independently of SigningKey.
PkeyPtr KeyFromJwk(const nlohmann::json& jwk) {
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        OSSL_PARAM_BLD_free);
  const bool rsa = jwk["kty"] == "RSA";
  auto n = Bn(rsa ? jwk["n"].get<std::string>() : "");
  auto e = Bn(rsa ? jwk["e"].get<std::string>() : "");
  std::string point;
  if (rsa) {
    OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
  } else {
    point = std::string("\x04") + Base64UrlDecode(jwk["x"].get<std::string>()).value() +
            Base64UrlDecode(jwk["y"].get<std::string>()).value();
    OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
      OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, rsa ? "RSA" : "EC", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  EXPECT_EQ(EVP_PKEY_fromdata_init(ctx.get()), 1);
  EXPECT_EQ(EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()), 1);
  return PkeyPtr(key);
}

std::string Thumbprint(const std::string& canonical) {
  const auto digest = Sha256(canonical);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), 32));
}

TEST(SigningKeyTest, RsaJwkDescribesTheKeyAndKidIsItsThumbprint) {
  auto key = SigningKey::Generate(SigningAlgorithm::kRs256);
  ASSERT_TRUE(key) << key.error().message;
  const auto jwk = key->Jwk();
  EXPECT_EQ(jwk["kty"], "RSA");
  EXPECT_EQ(jwk["alg"], "RS256");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["e"], "AQAB");
  EXPECT_EQ(jwk["kid"], key->kid());
  EXPECT_FALSE(jwk.contains("d"));  // nothing private
  EXPECT_EQ(Base64UrlDecode(jwk["n"].get<std::string>())->size(), 256u);

  const auto rebuilt = KeyFromJwk(jwk);
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(PublicPemOf(rebuilt.get()), key->public_pem());
  // RFC 7638 §3: the required members, sorted, no whitespace.
  EXPECT_EQ(key->kid(), Thumbprint(R"({"e":")" + jwk["e"].get<std::string>() +
                                   R"(","kty":"RSA","n":")" + jwk["n"].get<std::string>() + "\"}"));
}

TEST(SigningKeyTest, EcJwkDescribesTheKeyAndKidIsItsThumbprint) {
  auto key = SigningKey::Generate(SigningAlgorithm::kEs256);
  ASSERT_TRUE(key) << key.error().message;
  const auto jwk = key->Jwk();
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["alg"], "ES256");
  EXPECT_FALSE(jwk.contains("d"));
  EXPECT_EQ(Base64UrlDecode(jwk["x"].get<std::string>())->size(), 32u);
  EXPECT_EQ(Base64UrlDecode(jwk["y"].get<std::string>())->size(), 32u);

  const auto rebuilt = KeyFromJwk(jwk);
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(PublicPemOf(rebuilt.get()), key->public_pem());
  EXPECT_EQ(key->kid(),
            Thumbprint(R"({"crv":"P-256","kty":"EC","x":")" + jwk["x"].get<std::string>() +
                       R"(","y":")" + jwk["y"].get<std::string>() + "\"}"));
}

TEST(SigningKeyTest, JwksListsTheKey) {
  auto key = SigningKey::Generate(SigningAlgorithm::kEs256);
  ASSERT_TRUE(key);
  const auto jwks = nlohmann::json::parse(key->JwksJson());
  ASSERT_EQ(jwks["keys"].size(), 1u);
  EXPECT_EQ(jwks["keys"][0], key->Jwk());
}

TEST(SigningKeyTest, ReloadedKeyKeepsItsKid) {
  auto key = SigningKey::Generate(SigningAlgorithm::kRs256);
  ASSERT_TRUE(key);
  auto again = SigningKey::FromPrivatePem(key->private_pem());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kid(), key->kid());
  EXPECT_EQ(again->public_pem(), key->public_pem());
  EXPECT_EQ(again->algorithm(), SigningAlgorithm::kRs256);
  auto other = SigningKey::Generate(SigningAlgorithm::kRs256);
  ASSERT_TRUE(other);
  EXPECT_NE(other->kid(), key->kid());
}

TEST(SigningKeyTest, RefusesWeakOrForeignKeys) {
  PkeyPtr rsa1024(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024)));
  PkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  PkeyPtr ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  for (EVP_PKEY* key : {rsa1024.get(), p384.get(), ed25519.get()}) {
    auto loaded = SigningKey::FromPrivatePem(PrivatePemOf(key));
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(SigningKey::FromPrivatePem("not a key"));
}

// Signs with OpenSSL directly, as any JWS library would (DER for ECDSA).
std::string SignDer(const SigningKey& key, std::string_view input) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key.private_pem().data(), static_cast<int>(key.private_pem().size())),
      BIO_free);
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get());
  std::size_t length = 0;
  EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string signature(length, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  signature.resize(length);
  return signature;
}

// DER ECDSA-Sig-Value -> the 64-byte R||S of JWS.
std::string RawEcdsa(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

TEST(SigningKeyTest, VerifiesRsaSignaturesOfItsOwnKeyOnly) {
  auto key = SigningKey::Generate(SigningAlgorithm::kRs256);
  auto other = SigningKey::Generate(SigningAlgorithm::kRs256);
  ASSERT_TRUE(key && other);
  auto signature = SignDer(*key, "header.payload");
  EXPECT_TRUE(key->VerifySignature("header.payload", signature));
  EXPECT_FALSE(key->VerifySignature("header.payloaD", signature));
  EXPECT_FALSE(other->VerifySignature("header.payload", signature));
  EXPECT_FALSE(key->VerifySignature("header.payload", signature.substr(1)));
  EXPECT_FALSE(key->VerifySignature("header.payload", ""));
  signature[100] ^= 1;
  EXPECT_FALSE(key->VerifySignature("header.payload", signature));
}

TEST(SigningKeyTest, VerifiesEcdsaSignaturesInJwsForm) {
  auto key = SigningKey::Generate(SigningAlgorithm::kEs256);
  ASSERT_TRUE(key);
  const auto der = SignDer(*key, "header.payload");
  const auto raw = RawEcdsa(der);
  EXPECT_TRUE(key->VerifySignature("header.payload", raw));
  EXPECT_FALSE(key->VerifySignature("header.payload", der));  // DER is not JWS
  EXPECT_FALSE(key->VerifySignature("other.payload", raw));
  EXPECT_FALSE(key->VerifySignature("header.payload", raw.substr(0, 63)));
  EXPECT_FALSE(key->VerifySignature("header.payload", std::string(64, '\0')));
}

TEST(SigningKeyTest, ParsesAlgorithmNames) {
  EXPECT_EQ(*ParseSigningAlgorithm("RS256"), SigningAlgorithm::kRs256);
  EXPECT_EQ(*ParseSigningAlgorithm("ES256"), SigningAlgorithm::kEs256);
  EXPECT_FALSE(ParseSigningAlgorithm("HS256"));
  EXPECT_FALSE(ParseSigningAlgorithm("none"));
  EXPECT_FALSE(ParseSigningAlgorithm("rs256"));
}

}  // namespace
}  // namespace tessera::auth
