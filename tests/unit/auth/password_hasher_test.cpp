#include "auth/password_hasher.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::auth {
namespace {

using testing::kFastArgon2;

TEST(PasswordHasherTest, VerifiesTheHashedPasswordOnly) {
  const PasswordHasher hasher(kFastArgon2);
  auto hash = hasher.Hash("Corr3ct-horse");
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_TRUE(hasher.Verify(*hash, "Corr3ct-horse"));
  EXPECT_FALSE(hasher.Verify(*hash, "corr3ct-horse"));
  EXPECT_FALSE(hasher.Verify(*hash, "Corr3ct-horse "));
  EXPECT_FALSE(hasher.Verify(*hash, ""));
}

TEST(PasswordHasherTest, UsesArgon2idWithDefaultParametersAndFreshSalt) {
  const PasswordHasher hasher;  // the production parameters
  auto first = hasher.Hash("Same-passw0rd");
  auto second = hasher.Hash("Same-passw0rd");
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *first;
  EXPECT_NE(*first, *second);  // different salts
  EXPECT_TRUE(hasher.Verify(*second, "Same-passw0rd"));
}

TEST(PasswordHasherTest, VerifiesHashesMadeWithOtherParameters) {
  auto old_hash = PasswordHasher(kFastArgon2).Hash("Param-ch4nge");
  ASSERT_TRUE(old_hash);
  EXPECT_TRUE(PasswordHasher().Verify(*old_hash, "Param-ch4nge"));
}

TEST(PasswordHasherTest, TreatsMalformedHashesAsMismatch) {
  const PasswordHasher hasher(kFastArgon2);
  EXPECT_FALSE(hasher.Verify("", "x"));
  EXPECT_FALSE(hasher.Verify("plaintext", "plaintext"));
  EXPECT_FALSE(hasher.Verify("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "x"));
  EXPECT_FALSE(hasher.Verify("$argon2id$v=19$m=8,t=1,p=1$!!!$???", "x"));
}

TEST(PasswordHasherTest, RefusesEmptyAndHugePasswords) {
  const PasswordHasher hasher(kFastArgon2);
  EXPECT_EQ(hasher.Hash("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(hasher.Hash(std::string(1025, 'a')).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::auth
