#include "http/client_address.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

TEST(CanonicalAddressTest, WritesAddressesOneWay) {
  EXPECT_EQ(CanonicalAddress(" 10.0.0.1 ").value_or(""), "10.0.0.1");
  EXPECT_EQ(CanonicalAddress("::ffff:10.0.0.1").value_or(""), "10.0.0.1");
  EXPECT_EQ(CanonicalAddress("2001:DB8:0:0::1").value_or(""), "2001:db8::1");
  EXPECT_FALSE(CanonicalAddress("proxy.lan"));
  EXPECT_FALSE(CanonicalAddress("10.0.0.1:8080"));
  EXPECT_FALSE(CanonicalAddress(""));
}

TEST(ClientAddressTest, BelievesForwardedForOnlyFromTrustedProxies) {
  const std::vector<std::string> proxies = {"10.0.0.1", "10.0.0.2"};
  EXPECT_EQ(ClientAddress("192.0.2.9", "203.0.113.5", proxies), "192.0.2.9");
  EXPECT_EQ(ClientAddress("10.0.0.1", "203.0.113.5", proxies), "203.0.113.5");
  EXPECT_EQ(ClientAddress("10.0.0.1", "", proxies), "10.0.0.1");
  EXPECT_EQ(ClientAddress("10.0.0.1", "203.0.113.5", {}), "10.0.0.1");
}

TEST(ClientAddressTest, TakesTheRightmostAddressNoTrustedProxyAdded) {
  const std::vector<std::string> proxies = {"10.0.0.1", "10.0.0.2"};
  // The client may write anything at the left; only what the proxies appended counts.
  EXPECT_EQ(ClientAddress("10.0.0.1", "1.1.1.1, 203.0.113.5", proxies), "203.0.113.5");
  EXPECT_EQ(ClientAddress("10.0.0.1", "1.1.1.1, 203.0.113.5, 10.0.0.2", proxies), "203.0.113.5");
  EXPECT_EQ(ClientAddress("10.0.0.1", "::ffff:203.0.113.5", proxies), "203.0.113.5");
  EXPECT_EQ(ClientAddress("10.0.0.1", "1.1.1.1, unknown", proxies), "10.0.0.1");
  EXPECT_EQ(ClientAddress("10.0.0.1", "10.0.0.2", proxies), "10.0.0.1");
}

TEST(ClientAddressTest, DropsThePortSomeProxiesAppend) {
  const std::vector<std::string> proxies = {"10.0.0.1"};
  EXPECT_EQ(ClientAddress("10.0.0.1", "203.0.113.5:51234", proxies), "203.0.113.5");
  EXPECT_EQ(ClientAddress("10.0.0.1", "[2001:db8::7]:443", proxies), "2001:db8::7");
  EXPECT_EQ(ClientAddress("10.0.0.1", "[2001:db8::7]", proxies), "2001:db8::7");
  EXPECT_EQ(ClientAddress("10.0.0.1", "2001:db8::7", proxies), "2001:db8::7");
}

}  // namespace
}  // namespace tessera::http
