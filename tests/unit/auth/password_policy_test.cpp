#include "auth/password_policy.h"

#include <gtest/gtest.h>

namespace tessera::auth {
namespace {

TEST(PasswordPolicyTest, AcceptsPasswordsWithEveryCharacterClass) {
  EXPECT_TRUE(CheckPasswordPolicy("Abcdef1!"));
  EXPECT_TRUE(CheckPasswordPolicy("correct Horse 9"));  // a space is special
  EXPECT_TRUE(CheckPasswordPolicy("Zażółć1gęś"));       // non-ASCII letters count as special
}

TEST(PasswordPolicyTest, RefusesPasswordsMissingAClass) {
  EXPECT_FALSE(CheckPasswordPolicy("Abcde1!"));    // 7 characters
  EXPECT_FALSE(CheckPasswordPolicy("abcdefg1!"));  // no upper
  EXPECT_FALSE(CheckPasswordPolicy("ABCDEFG1!"));  // no lower
  EXPECT_FALSE(CheckPasswordPolicy("Abcdefgh!"));  // no digit
  EXPECT_FALSE(CheckPasswordPolicy("Abcdefgh1"));  // no special
  EXPECT_FALSE(CheckPasswordPolicy(""));
}

TEST(PasswordPolicyTest, CountsCharactersNotBytes) {
  // 7 characters, 9 bytes: still too short.
  EXPECT_FALSE(CheckPasswordPolicy("Aa1ąąąą"));
  EXPECT_TRUE(CheckPasswordPolicy("Aa1ąąąąą"));
}

TEST(PasswordPolicyTest, ExplainsTheRule) {
  const auto status = CheckPasswordPolicy("weak");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message, kPasswordPolicyText);
}

}  // namespace
}  // namespace tessera::auth
