#include "http/connection_limiter.h"

#include <optional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

using Ticket = ConnectionLimiter::Ticket;
namespace ip = boost::asio::ip;

ip::address Address(const char* text) { return ip::make_address(text); }

TEST(ConnectionLimiterTest, AdmitsUpToTheLimitPerAddressAndTakesBackClosedOnes) {
  ConnectionLimiter limiter(10, 2);
  std::vector<Ticket> held;
  for (int i = 0; i < 2; ++i) {
    auto ticket = limiter.TryAdmit(Address("10.0.0.1"));
    ASSERT_TRUE(ticket);
    held.push_back(std::move(*ticket));
  }
  EXPECT_FALSE(limiter.TryAdmit(Address("10.0.0.1")));
  // The same client through a dual-stack listener counts as the same address.
  EXPECT_FALSE(limiter.TryAdmit(Address("::ffff:10.0.0.1")));
  EXPECT_TRUE(limiter.TryAdmit(Address("10.0.0.2")));  // dropped at once: given back
  EXPECT_EQ(limiter.live(), 2u);
  held.pop_back();
  EXPECT_EQ(limiter.live(), 1u);
  EXPECT_TRUE(limiter.TryAdmit(Address("10.0.0.1")));
}

TEST(ConnectionLimiterTest, CountsIpv6ClientsPerSlash64) {
  ConnectionLimiter limiter(10, 1);
  auto first = limiter.TryAdmit(Address("2001:db8:1:2::1"));
  ASSERT_TRUE(first);
  EXPECT_FALSE(limiter.TryAdmit(Address("2001:db8:1:2:ffff::9")));
  EXPECT_TRUE(limiter.TryAdmit(Address("2001:db8:1:3::1")));
}

TEST(ConnectionLimiterTest, CapsTheTotalWhateverTheAddresses) {
  ConnectionLimiter limiter(3, 3);
  std::vector<Ticket> held;
  for (const char* address : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    auto ticket = limiter.TryAdmit(Address(address));
    ASSERT_TRUE(ticket) << address;
    held.push_back(std::move(*ticket));
  }
  EXPECT_FALSE(limiter.TryAdmit(Address("10.0.0.4")));
  // A moved ticket gives its place back once, when the last holder goes.
  std::optional<Ticket> moved(std::move(held.back()));
  held.pop_back();
  EXPECT_EQ(limiter.live(), 3u);
  moved.reset();
  EXPECT_EQ(limiter.live(), 2u);
  EXPECT_TRUE(limiter.TryAdmit(Address("10.0.0.4")));
}

}  // namespace
}  // namespace tessera::http
