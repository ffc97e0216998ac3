#include "base/log_throttle.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

class SteppedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return now; }
  std::chrono::system_clock::time_point now{std::chrono::hours(1000)};
};

TEST(LogThrottleTest, LetsOneLineThroughPerPeriodAndCountsTheRest) {
  SteppedClock clock;
  LogThrottle throttle(std::chrono::seconds(60), &clock);
  EXPECT_EQ(throttle.Allow(), 0u);
  clock.now += std::chrono::seconds(1);
  EXPECT_EQ(throttle.Allow(), std::nullopt);
  clock.now += std::chrono::seconds(58);
  EXPECT_EQ(throttle.Allow(), std::nullopt);
  clock.now += std::chrono::seconds(1);
  EXPECT_EQ(throttle.Allow(), 2u) << "a period after the last line, with the two held back";
  EXPECT_EQ(throttle.Allow(), std::nullopt);
  clock.now += std::chrono::hours(1);
  EXPECT_EQ(throttle.Allow(), 1u);
}

}  // namespace
}  // namespace tessera
