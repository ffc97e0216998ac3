#include "auth/signing_key.h"

#include <memory>
#include <optional>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/crypto_util.h"

namespace tessera::auth {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

constexpr int kRsaBits = 2048;
constexpr int kP256CoordinateBytes = 32;

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

Result<std::string> PrivatePem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Fail(ErrorCode::kInternal, "cannot encode the private key");
  }
  return BioContents(bio.get());
}

Result<std::string> PublicPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return Fail(ErrorCode::kInternal, "cannot encode the public key");
  }
  return BioContents(bio.get());
}

// The big-endian bytes of a key parameter, left-padded to `width` when non-zero.
Result<std::string> BigNumParam(EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return Fail(ErrorCode::kInternal, std::string("cannot read key parameter ") + name);
  }
  BnPtr bn(raw);
  const int size = width > 0 ? width : BN_num_bytes(bn.get());
  std::string bytes(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(bytes.data());
  const int written = width > 0 ? BN_bn2binpad(bn.get(), out, width) : BN_bn2bin(bn.get(), out);
  if (written != size) return Fail(ErrorCode::kInternal, "key parameter has the wrong size");
  return bytes;
}

Result<SigningAlgorithm> AlgorithmOf(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < kRsaBits) {
      return Fail(ErrorCode::kInvalidArgument, "RSA signing keys need at least 2048 bits");
    }
    return SigningAlgorithm::kRs256;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    std::size_t length = 0;
    const bool p256 = EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                                     sizeof(group), &length) == 1 &&
                      std::string_view(group, length) == "prime256v1";
    if (!p256) return Fail(ErrorCode::kInvalidArgument, "EC signing keys must use curve P-256");
    return SigningAlgorithm::kEs256;
  }
  return Fail(ErrorCode::kInvalidArgument, "the signing key must be RSA or EC P-256");
}

// The required JWK members in the lexicographic order RFC 7638 §3.2 asks for;
// nlohmann::json objects are sorted, so dump() is the canonical form.
Result<nlohmann::json> RequiredJwkMembers(EVP_PKEY* key, SigningAlgorithm algorithm) {
  if (algorithm == SigningAlgorithm::kRs256) {
    auto n = BigNumParam(key, OSSL_PKEY_PARAM_RSA_N);
    if (!n) return std::move(n).error();
    auto e = BigNumParam(key, OSSL_PKEY_PARAM_RSA_E);
    if (!e) return std::move(e).error();
    return nlohmann::json{{"kty", "RSA"}, {"n", Base64UrlEncode(*n)}, {"e", Base64UrlEncode(*e)}};
  }
  auto x = BigNumParam(key, OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateBytes);
  if (!x) return std::move(x).error();
  auto y = BigNumParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateBytes);
  if (!y) return std::move(y).error();
  return nlohmann::json{
      {"kty", "EC"}, {"crv", "P-256"}, {"x", Base64UrlEncode(*x)}, {"y", Base64UrlEncode(*y)}};
}

}  // namespace

std::string_view AlgorithmName(SigningAlgorithm algorithm) {
  return algorithm == SigningAlgorithm::kEs256 ? "ES256" : "RS256";
}

Result<SigningAlgorithm> ParseSigningAlgorithm(std::string_view name) {
  if (name == "RS256") return SigningAlgorithm::kRs256;
  if (name == "ES256") return SigningAlgorithm::kEs256;
  return Fail(ErrorCode::kInvalidArgument,
              "unsupported signing algorithm \"" + std::string(name) + "\" (RS256 or ES256)");
}

Result<SigningKey> SigningKey::Generate(SigningAlgorithm algorithm) {
  PkeyPtr key(algorithm == SigningAlgorithm::kRs256
                  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(kRsaBits))
                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Fail(ErrorCode::kInternal, "key generation failed");
  auto pem = PrivatePem(key.get());
  if (!pem) return std::move(pem).error();
  return FromPrivatePem(*pem);
}

Result<SigningKey> SigningKey::FromPrivatePem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Fail(ErrorCode::kInternal, "out of memory");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Fail(ErrorCode::kInvalidArgument, "not a PEM private key");

  auto algorithm = AlgorithmOf(key.get());
  if (!algorithm) return std::move(algorithm).error();
  auto members = RequiredJwkMembers(key.get(), *algorithm);
  if (!members) return std::move(members).error();
  auto private_pem = PrivatePem(key.get());
  if (!private_pem) return std::move(private_pem).error();
  auto public_pem = PublicPem(key.get());
  if (!public_pem) return std::move(public_pem).error();

  SigningKey result;
  result.algorithm_ = *algorithm;
  const auto thumbprint = Sha256(members->dump());
  result.kid_ = Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(thumbprint.data()), thumbprint.size()));
  result.key_.reset(key.release());
  result.private_pem_ = std::move(*private_pem);
  result.public_pem_ = std::move(*public_pem);
  nlohmann::json jwk = std::move(*members);
  jwk["kid"] = result.kid_;
  jwk["alg"] = AlgorithmName(*algorithm);
  jwk["use"] = "sig";
  result.jwk_json_ = jwk.dump();
  return result;
}

void SigningKey::PkeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

// JWS carries ECDSA signatures as R||S (RFC 7518 §3.4); OpenSSL wants DER.
static std::optional<std::string> EcdsaDer(std::string_view raw) {
  if (raw.size() != 2 * kP256CoordinateBytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BnPtr r(BN_bin2bn(bytes, kP256CoordinateBytes, nullptr));
  BnPtr s(BN_bin2bn(bytes + kP256CoordinateBytes, kP256CoordinateBytes, nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  (void)r.release();  // the signature owns them now
  (void)s.release();
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return std::nullopt;
  const std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(
      der, [](unsigned char* p) { OPENSSL_free(p); });
  return std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
}

bool SigningKey::VerifySignature(std::string_view signing_input, std::string_view signature) const {
  std::string der;
  if (algorithm_ == SigningAlgorithm::kEs256) {
    auto converted = EcdsaDer(signature);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  } else if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key_.get()))) {
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

SigningKey::~SigningKey() { OPENSSL_cleanse(private_pem_.data(), private_pem_.size()); }

nlohmann::json SigningKey::Jwk() const { return nlohmann::json::parse(jwk_json_); }

std::string SigningKey::JwksJson() const { return R"({"keys":[)" + jwk_json_ + "]}"; }

}  // namespace tessera::auth
