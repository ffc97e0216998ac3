#include "dimse/address_slots.h"

#include <gtest/gtest.h>

namespace tessera::dimse {
namespace {

TEST(AddressSlotsTest, LimitsEachAddressAndGivesSlotsBack) {
  AddressSlots slots(2);
  EXPECT_TRUE(slots.TryTake("192.0.2.1"));
  EXPECT_TRUE(slots.TryTake("192.0.2.1"));
  EXPECT_FALSE(slots.TryTake("192.0.2.1"));
  EXPECT_TRUE(slots.TryTake("192.0.2.2"));
  slots.Release("192.0.2.1");
  EXPECT_TRUE(slots.TryTake("192.0.2.1"));
}

TEST(AddressSlotsTest, CountsIpv6CallersPerSlash64) {
  AddressSlots slots(2);
  EXPECT_TRUE(slots.TryTake("2001:db8:1:2::1"));
  EXPECT_TRUE(slots.TryTake("2001:db8:1:2::ffff"));
  EXPECT_FALSE(slots.TryTake("2001:db8:1:2:abcd::7")) << "same /64, another host address";
  EXPECT_TRUE(slots.TryTake("2001:db8:1:3::1"));
  slots.Release("2001:db8:1:2::ffff");
  EXPECT_TRUE(slots.TryTake("2001:db8:1:2::42"));
}

}  // namespace
}  // namespace tessera::dimse
