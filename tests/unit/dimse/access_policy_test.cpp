#include "dimse/access_policy.h"

#include <gtest/gtest.h>

namespace tessera::dimse {
namespace {

DimseOptions Options() {
  DimseOptions options;
  options.ae_title = "TESSERA";
  KnownPeer ct;
  ct.ae_title = "CT01";
  ct.host = "10.0.0.5";
  ct.allowed = {Operation::kEcho, Operation::kStore};
  KnownPeer viewer;
  viewer.ae_title = "VIEWER";
  viewer.host = "localhost";
  viewer.port = 11112;
  viewer.allowed = {Operation::kEcho, Operation::kFind, Operation::kMove, Operation::kGet};
  KnownPeer mute;
  mute.ae_title = "MUTE";
  mute.host = "10.0.0.9";
  mute.allowed = {};
  options.peers = {ct, viewer, mute};
  return options;
}

TEST(AccessPolicyTest, UnknownCallersMayEchoAndStoreByDefault) {
  const AccessPolicy policy(Options());
  const AccessDecision decision = policy.Decide("SOMEONE", "TESSERA", "192.168.1.7");
  EXPECT_EQ(decision.refusal, Refusal::kNone);
  EXPECT_FALSE(decision.known);
  EXPECT_EQ(decision.allowed, (std::set<Operation>{Operation::kEcho, Operation::kStore}));
}

TEST(AccessPolicyTest, UnknownCallersGetTheConfiguredOperations) {
  DimseOptions options = Options();
  options.unknown_callers_allow = {Operation::kEcho, Operation::kFind};
  const AccessPolicy policy(options);
  EXPECT_EQ(policy.Decide("SOMEONE", "TESSERA", "192.168.1.7").allowed,
            (std::set<Operation>{Operation::kEcho, Operation::kFind}));
}

TEST(AccessPolicyTest, UnknownCallersAreRefusedWhenAllowedNothing) {
  DimseOptions options = Options();
  options.unknown_callers_allow = {};
  const AccessPolicy policy(options);
  EXPECT_EQ(policy.Decide("SOMEONE", "TESSERA", "192.168.1.7").refusal, Refusal::kCallingAeTitle);
}

TEST(AccessPolicyTest, KnownPeersGetTheirOwnOperations) {
  const AccessPolicy policy(Options());
  const AccessDecision decision = policy.Decide("VIEWER", "TESSERA", "127.0.0.1");
  EXPECT_TRUE(decision.known);
  EXPECT_EQ(decision.allowed, (std::set<Operation>{Operation::kEcho, Operation::kFind,
                                                   Operation::kMove, Operation::kGet}));
  EXPECT_EQ(policy.Decide("CT01", "TESSERA", "10.0.0.5").allowed.count(Operation::kFind), 0u);
}

TEST(AccessPolicyTest, AnEmptyCallingAeTitleIsRefused) {
  const AccessPolicy policy(Options());
  EXPECT_EQ(policy.Decide("", "TESSERA", "192.168.1.7").refusal, Refusal::kCallingAeTitle);
  EXPECT_EQ(policy.Decide("   ", "TESSERA", "192.168.1.7").refusal, Refusal::kCallingAeTitle);
}

TEST(AccessPolicyTest, KnownPeerAllowedNothingIsRefused) {
  const AccessPolicy policy(Options());
  EXPECT_EQ(policy.Decide("MUTE", "TESSERA", "10.0.0.9").refusal, Refusal::kCallingAeTitle);
}

TEST(AccessPolicyTest, AeTitlesIgnorePaddingButNotCase) {
  const AccessPolicy policy(Options());
  EXPECT_TRUE(policy.Decide(" VIEWER  ", "TESSERA ", "1.2.3.4").known);
  EXPECT_FALSE(policy.Decide("viewer", "TESSERA", "1.2.3.4").known);
}

TEST(AccessPolicyTest, RefusesAnotherCalledAeTitleWhenChecked) {
  const AccessPolicy policy(Options());
  EXPECT_EQ(policy.Decide("VIEWER", "ANY-SCP", "127.0.0.1").refusal, Refusal::kCalledAeTitle);
  DimseOptions options = Options();
  options.check_called_ae_title = false;
  EXPECT_EQ(AccessPolicy(options).Decide("VIEWER", "ANY-SCP", "127.0.0.1").refusal, Refusal::kNone);
}

TEST(AccessPolicyTest, ChecksTheCallingHostOfKnownPeersByDefault) {
  const AccessPolicy policy(Options());
  EXPECT_EQ(policy.Decide("CT01", "TESSERA", "10.0.0.5").refusal, Refusal::kNone);
  EXPECT_EQ(policy.Decide("CT01", "TESSERA", "10.0.0.6").refusal, Refusal::kCallingAeTitle);
  // Host names are resolved.
  EXPECT_EQ(policy.Decide("VIEWER", "TESSERA", "127.0.0.1").refusal, Refusal::kNone);
  // Unknown callers have no host to check.
  EXPECT_EQ(policy.Decide("SOMEONE", "TESSERA", "10.9.9.9").refusal, Refusal::kNone);
}

TEST(AccessPolicyTest, IgnoresTheCallingHostWhenTurnedOff) {
  DimseOptions options = Options();
  options.check_calling_host = false;
  const AccessPolicy policy(options);
  EXPECT_EQ(policy.Decide("CT01", "TESSERA", "10.0.0.6").refusal, Refusal::kNone);
}

TEST(AccessPolicyTest, HostMatchesComparesAddressesCanonically) {
  EXPECT_TRUE(AccessPolicy::HostMatches("10.0.0.5", "::ffff:10.0.0.5"));
  EXPECT_TRUE(AccessPolicy::HostMatches("::1", "0:0:0:0:0:0:0:1"));
  EXPECT_TRUE(AccessPolicy::HostMatches("localhost", "127.0.0.1"));
  EXPECT_FALSE(AccessPolicy::HostMatches("10.0.0.5", "10.0.0.50"));
  EXPECT_FALSE(AccessPolicy::HostMatches("10.0.0.5", "not-an-address"));
  EXPECT_FALSE(AccessPolicy::HostMatches("no-such-host.invalid", "127.0.0.1"));
}

TEST(AccessPolicyTest, FindPeerReturnsMoveDestinations) {
  const AccessPolicy policy(Options());
  const KnownPeer* viewer = policy.FindPeer("VIEWER ");
  ASSERT_NE(viewer, nullptr);
  EXPECT_EQ(viewer->port, 11112);
  EXPECT_EQ(policy.FindPeer("NOBODY"), nullptr);
}

}  // namespace
}  // namespace tessera::dimse
