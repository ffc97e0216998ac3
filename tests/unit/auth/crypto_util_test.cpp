#include "auth/crypto_util.h"

#include <gtest/gtest.h>

namespace tessera::auth {
namespace {

TEST(CryptoUtilTest, Base64UrlEncodesRfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff\xbf", 3)), "-_-_");
}

TEST(CryptoUtilTest, Base64UrlRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const auto part = all.substr(0, n);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(part)), part);
  }
}

TEST(CryptoUtilTest, Base64UrlDecodeRefusesForeignAndNonCanonicalInput) {
  EXPECT_FALSE(Base64UrlDecode("Zm9v+g"));  // '+' is standard base64, not base64url
  EXPECT_FALSE(Base64UrlDecode("Zm9v/g"));
  EXPECT_FALSE(Base64UrlDecode("Zm9vY"));  // 5 characters cannot encode whole bytes
  EXPECT_FALSE(Base64UrlDecode("Zh"));     // leftover bits set: "Zg" is the canonical "f"
  EXPECT_FALSE(Base64UrlDecode("Zm 9v"));
  EXPECT_FALSE(Base64UrlDecode("Zm9vYg=="));  // padded: "Zm9vYg" is the one spelling
  EXPECT_EQ(Base64UrlDecode("Zm9vYg"), "foob");
}

TEST(CryptoUtilTest, Sha256MatchesKnownDigest) {
  const auto digest = Sha256("abc");
  EXPECT_EQ(Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), 32)),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST(CryptoUtilTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(CryptoUtilTest, RandomBytesAreFreshEachTime) {
  auto a = RandomBytes(16);
  auto b = RandomBytes(16);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 16u);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace tessera::auth
