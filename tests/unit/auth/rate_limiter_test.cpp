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

TEST_F(RateLimiterTest, RefusesAfterMaxFailuresUntilTheWindowEnds) {
  EXPECT_FALSE(limiter_.RetryAfter("10.0.0.1"));
  limiter_.RecordFailure("10.0.0.1");
  clock_.Advance(10s);
  limiter_.RecordFailure("10.0.0.1");
  EXPECT_FALSE(limiter_.RetryAfter("10.0.0.1"));
  limiter_.RecordFailure("10.0.0.1");
  ASSERT_TRUE(limiter_.RetryAfter("10.0.0.1"));
  EXPECT_EQ(*limiter_.RetryAfter("10.0.0.1"), 50s);
  EXPECT_FALSE(limiter_.RetryAfter("10.0.0.2"));  // per address

  clock_.Advance(49s + 500ms);
  EXPECT_EQ(*limiter_.RetryAfter("10.0.0.1"), 1s);  // rounded up, never 0
  clock_.Advance(500ms);
  EXPECT_FALSE(limiter_.RetryAfter("10.0.0.1"));
  limiter_.RecordFailure("10.0.0.1");  // a new window starts counting afresh
  EXPECT_FALSE(limiter_.RetryAfter("10.0.0.1"));
}

TEST_F(RateLimiterTest, SuccessClearsTheCount) {
  limiter_.RecordFailure("10.0.0.1");
  limiter_.RecordFailure("10.0.0.1");
  limiter_.RecordSuccess("10.0.0.1");
  limiter_.RecordFailure("10.0.0.1");
  limiter_.RecordFailure("10.0.0.1");
  EXPECT_FALSE(limiter_.RetryAfter("10.0.0.1"));
}

TEST_F(RateLimiterTest, CountsIpv6ClientsPerSlash64) {
  limiter_.RecordFailure("2001:db8:1:2::1");
  limiter_.RecordFailure("2001:db8:1:2::2");
  limiter_.RecordFailure("2001:db8:1:2:ffff::3");
  EXPECT_TRUE(limiter_.RetryAfter("2001:db8:1:2::99"));
  EXPECT_FALSE(limiter_.RetryAfter("2001:db8:1:3::1"));
  // IPv4-mapped addresses count as the IPv4 address.
  for (int i = 0; i < 3; ++i) limiter_.RecordFailure("::ffff:192.0.2.7");
  EXPECT_TRUE(limiter_.RetryAfter("192.0.2.7"));
}

TEST_F(RateLimiterTest, StaysBoundedAndDropsExpiredWindowsFirst) {
  for (int i = 0; i < 3; ++i) limiter_.RecordFailure("blocked");
  clock_.Advance(30s);
  for (const char* a : {"a", "b", "c"}) limiter_.RecordFailure(a);  // 4 tracked: full
  clock_.Advance(40s);  // "blocked" expired, the others not
  limiter_.RecordFailure("d");
  for (int i = 0; i < 2; ++i) limiter_.RecordFailure("a");
  EXPECT_TRUE(limiter_.RetryAfter("a"));  // "a" survived the eviction
}

}  // namespace
}  // namespace tessera::auth
