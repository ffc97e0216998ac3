#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::auth {
namespace {

using namespace std::chrono_literals;

class RateLimiterTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  RateLimiter limiter_{RateLimitOptions{3, 60s, 4}, clock_};
};

// Begin counts the attempt as failed, so three Begins without a success use up
// the window of a limiter allowing three failures.
TEST_F(RateLimiterTest, RefusesAfterMaxFailuresUntilTheWindowEnds) {
  EXPECT_FALSE(limiter_.Begin("10.0.0.1"));
  clock_.Advance(10s);
  EXPECT_FALSE(limiter_.Begin("10.0.0.1"));
  EXPECT_FALSE(limiter_.Begin("10.0.0.1"));
  ASSERT_TRUE(limiter_.Begin("10.0.0.1"));
  EXPECT_EQ(*limiter_.Begin("10.0.0.1"), 50s);
  EXPECT_FALSE(limiter_.Begin("10.0.0.2"));  // per address

  clock_.Advance(49s + 500ms);
  EXPECT_EQ(*limiter_.Begin("10.0.0.1"), 1s);  // rounded up, never 0
  clock_.Advance(500ms);
  EXPECT_FALSE(limiter_.Begin("10.0.0.1"));  // a new window counts afresh
  EXPECT_FALSE(limiter_.Begin("10.0.0.1"));
}

TEST_F(RateLimiterTest, AttemptsInFlightCountBeforeTheirPasswordsAreChecked) {
  // Three parallel attempts start before any finishes: the fourth is refused.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter_.Begin("10.0.0.1"));
  EXPECT_TRUE(limiter_.Begin("10.0.0.1"));
}

TEST_F(RateLimiterTest, SuccessTakesBackOnlyItsOwnAttempt) {
  EXPECT_FALSE(limiter_.Begin("10.0.0.1"));  // wrong
  EXPECT_FALSE(limiter_.Begin("10.0.0.1"));  // wrong
  EXPECT_FALSE(limiter_.Begin("10.0.0.1"));  // right
  limiter_.Succeeded("10.0.0.1");
  // The two failures still count: one more attempt, then refused, however many
  // successes with a known password come in between.
  EXPECT_FALSE(limiter_.Begin("10.0.0.1"));
  EXPECT_TRUE(limiter_.Begin("10.0.0.1"));

  // A success alone leaves nothing behind.
  EXPECT_FALSE(limiter_.Begin("10.0.0.2"));
  limiter_.Succeeded("10.0.0.2");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter_.Begin("10.0.0.2"));
  EXPECT_TRUE(limiter_.Begin("10.0.0.2"));
  limiter_.Succeeded("10.0.0.9");  // never began: ignored
}

TEST(AddressKeyTest, CountsIpv6ClientsPerSlash64) {
  EXPECT_EQ(AddressKey("2001:db8:1:2::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressKey("2001:db8:1:2:ffff::3"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressKey("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  // IPv4-mapped addresses count as the IPv4 address.
  EXPECT_EQ(AddressKey("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AddressKey("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(AddressKey("not:an address"), "not:an address");
}

TEST_F(RateLimiterTest, StaysBoundedAndDropsExpiredWindowsFirst) {
  for (int i = 0; i < 3; ++i) limiter_.Begin("blocked");
  clock_.Advance(30s);
  for (const char* a : {"a", "b", "c"}) limiter_.Begin(a);  // 4 tracked: full
  clock_.Advance(40s);  // "blocked" expired, the others not
  limiter_.Begin("d");
  for (int i = 0; i < 2; ++i) limiter_.Begin("a");
  EXPECT_TRUE(limiter_.Begin("a"));  // "a" survived the eviction
}

}  // namespace
}  // namespace tessera::auth
