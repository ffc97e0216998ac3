// Feeds bearer tokens to auth::JwtCodec::Decode (auth/jwt_codec.h), the check
// every authenticated request goes through. The first byte picks the mode: even,
// the rest is the token as sent; odd, the rest is a payload that the harness
// signs (RS256, with the codec's own key and header) so that claim parsing past
// the signature is reached too. Checks: a decoded token's claims encode into a
// token that decodes to the same claims (a round trip through Encode).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/jwt_codec.h"
#include "auth/signing_key.h"
#include "fuzz/fuzz_support.h"

namespace {

namespace auth = tessera::auth;

std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : bytes) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 0x3f];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 0x3f];
  return out;
}

const auth::SigningKey& Key() {
  static const auth::SigningKey key = [] {
    auto generated = auth::SigningKey::Generate(auth::SigningAlgorithm::kRs256);
    if (!generated) std::abort();
    return std::move(*generated);
  }();
  return key;
}

// RS256 over `input` with the key's private half.
std::string Sign(std::string_view input) {
  static EVP_PKEY* const pkey = [] {
    const std::string& pem = Key().private_pem();
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* parsed = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (parsed == nullptr) std::abort();
    return parsed;
  }();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  std::size_t length = 0;
  if (EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    std::abort();
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    std::abort();
  }
  signature.resize(length);
  return signature;
}

bool SameClaims(const auth::TokenClaims& a, const auth::TokenClaims& b) {
  return a.kind == b.kind && a.issuer == b.issuer && a.subject == b.subject && a.name == b.name &&
         a.can_edit == b.can_edit && a.user_version == b.user_version && a.jti == b.jti &&
         a.audience == b.audience && a.issued_at == b.issued_at && a.expires_at == b.expires_at &&
         a.token_server == b.token_server && a.refresh_server == b.refresh_server &&
         a.pacs == b.pacs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = tessera::fuzz::QuietLogs();
  (void)quiet;
  const auth::JwtCodec codec(Key());
  tessera::fuzz::Bytes input(tessera::fuzz::AsText(data, size));
  const bool sign = input.Byte() % 2 == 1;
  std::string token(input.Rest());
  if (sign) {
    const std::string header = R"({"alg":"RS256","typ":"JWT","kid":")" + Key().kid() + R"("})";
    const std::string signing_input = Base64Url(header) + "." + Base64Url(token);
    token = signing_input + "." + Base64Url(Sign(signing_input));
  }
  auto claims = codec.Decode(token);
  if (!claims) return 0;
  auto encoded = codec.Encode(*claims);
  if (!encoded) {
    std::fprintf(stderr, "Encode: %s\n", encoded.error().message.c_str());
    FUZZ_CHECK(false && "decoded claims encode again");
  }
  auto decoded = codec.Decode(*encoded);
  if (!decoded) {
    std::fprintf(stderr, "Decode: %s\n", decoded.error().message.c_str());
    FUZZ_CHECK(false && "a token Encode wrote decodes");
  }
  FUZZ_CHECK(SameClaims(*claims, *decoded));
  return 0;
}
