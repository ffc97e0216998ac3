#include "auth/sign_in_throttle.h"

#include <string>

#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::auth {
namespace {

using namespace std::chrono_literals;

class SignInThrottleTest : public ::testing::Test {
 protected:
  static SignInThrottleOptions Options() {
    SignInThrottleOptions options;
    options.per_address = RateLimitOptions{3, 60s, 1000};
    options.per_account = RateLimitOptions{5, 60s, 1000};
    options.familiar_per_account = 2;
    options.max_accounts = 2;
    return options;
  }

  // A wrong password for `account` from `address`: true when it was refused.
  bool Guess(const std::string& address, const std::string& account) {
    return throttle_.Begin(address, account).refused_for.has_value();
  }
  void SignIn(const std::string& address, const std::string& account) {
    const auto attempt = throttle_.Begin(address, account);
    ASSERT_FALSE(attempt.refused_for) << address << " " << account;
    throttle_.Succeeded(address, account, attempt);
  }

  testing::FakeClock clock_;
  SignInThrottle throttle_{Options(), clock_};
};

TEST_F(SignInThrottleTest, OneAddressIsLimitedWhateverTheAccount) {
  EXPECT_FALSE(Guess("10.0.0.1", "alice"));
  EXPECT_FALSE(Guess("10.0.0.1", "bob"));
  EXPECT_FALSE(Guess("10.0.0.1", "carol"));
  EXPECT_TRUE(Guess("10.0.0.1", "dave"));
  EXPECT_FALSE(Guess("10.0.0.2", "dave"));
}

TEST_F(SignInThrottleTest, GuessesSpreadOverAddressesAreLimitedPerAccount) {
  for (int i = 1; i <= 5; ++i) EXPECT_FALSE(Guess("10.0.1." + std::to_string(i), "alice"));
  const auto refused = throttle_.Begin("10.0.1.6", "alice").refused_for;
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, 60s);
  EXPECT_FALSE(Guess("10.0.1.6", "bob")) << "other accounts are not held up";
  // A refusal by the address's own limit is no attempt at the account.
  for (int i = 0; i < 3; ++i) Guess("10.0.2.1", "bob");
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Guess("10.0.2.1", "carol"));
  for (int i = 1; i <= 5; ++i) EXPECT_FALSE(Guess("10.0.4." + std::to_string(i), "carol"));
  EXPECT_TRUE(Guess("10.0.4.6", "carol"));
  clock_.Advance(60s);
  EXPECT_FALSE(Guess("10.0.1.7", "alice")) << "a new window";
}

TEST_F(SignInThrottleTest, AddressesThatSignedInBeforeAreSparedTheAccountLimit) {
  SignIn("10.0.0.1", "alice");
  for (int i = 1; i <= 5; ++i) Guess("10.0.1." + std::to_string(i), "alice");
  EXPECT_TRUE(Guess("10.0.1.9", "alice"));
  SignIn("10.0.0.1", "alice");  // the owner's workstation
  EXPECT_TRUE(throttle_.Begin("10.0.0.2", "alice").refused_for) << "a new one waits";
  // The exemption is per account: 10.0.0.1 never signed in to bob.
  for (int i = 1; i <= 5; ++i) Guess("10.0.3." + std::to_string(i), "bob");
  EXPECT_TRUE(Guess("10.0.0.1", "bob"));
  // Still limited per address: three wrong passwords from a familiar one.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(Guess("10.0.0.1", "alice"));
  EXPECT_TRUE(Guess("10.0.0.1", "alice"));
}

TEST_F(SignInThrottleTest, RemembersTheLatestAddressesOfABoundedNumberOfAccounts) {
  SignIn("10.0.0.1", "alice");
  SignIn("10.0.0.2", "alice");
  SignIn("10.0.0.3", "alice");  // 10.0.0.1 forgotten: two per account
  for (int i = 1; i <= 5; ++i) Guess("10.0.1." + std::to_string(i), "alice");
  EXPECT_TRUE(Guess("10.0.0.1", "alice"));
  EXPECT_FALSE(Guess("10.0.0.2", "alice"));
  EXPECT_FALSE(Guess("10.0.0.3", "alice"));
  // Two accounts remembered at most (which one is forgotten is not defined).
  SignIn("10.0.9.1", "bob");
  SignIn("10.0.9.2", "carol");
  int familiar = 0;
  for (const auto& [address, account] :
       {std::pair{"10.0.0.3", "alice"}, {"10.0.9.1", "bob"}, {"10.0.9.2", "carol"}}) {
    const auto attempt = throttle_.Begin(address, account);
    familiar += attempt.counted_for_account ? 0 : 1;
  }
  EXPECT_EQ(familiar, 2);
}

TEST_F(SignInThrottleTest, AddressesRememberedFromEarlierSignInsAreSpared) {
  throttle_.Remember("alice", "10.0.0.1");  // as loaded from auth.db at start
  for (int i = 1; i <= 5; ++i) Guess("10.0.1." + std::to_string(i), "alice");
  EXPECT_TRUE(Guess("10.0.1.9", "alice"));
  EXPECT_FALSE(Guess("10.0.0.1", "alice"));
}

TEST(SignInThrottleWithoutAccountLimitTest, LimitsOnlyPerAddress) {
  testing::FakeClock clock;
  SignInThrottleOptions options;
  options.per_address = RateLimitOptions{3, 60s, 1000};
  options.per_account.reset();
  SignInThrottle throttle(options, clock);
  for (int i = 1; i <= 100; ++i) {
    const auto attempt = throttle.Begin("10.0.2." + std::to_string(i), "admin");
    EXPECT_FALSE(attempt.refused_for);
    EXPECT_FALSE(attempt.counted_for_account);
  }
  for (int i = 0; i < 3; ++i) throttle.Begin("10.0.3.1", "admin");
  EXPECT_TRUE(throttle.Begin("10.0.3.1", "admin").refused_for);
}

}  // namespace
}  // namespace tessera::auth
