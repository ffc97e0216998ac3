#include "dimse/socket_listener.h"

#include <future>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace tessera::dimse {
namespace {

UniqueFd Connect(int family, const char* address, std::uint16_t port) {
  UniqueFd fd(::socket(family, SOCK_STREAM, 0));
  if (family == AF_INET) {
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(port);
    inet_pton(AF_INET, address, &target.sin_addr);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) return {};
    return fd;
  }
  sockaddr_in6 target{};
  target.sin6_family = AF_INET6;
  target.sin6_port = htons(port);
  inet_pton(AF_INET6, address, &target.sin6_addr);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) return {};
  return fd;
}

TEST(SocketListenerTest, PicksAFreePortAndAcceptsWithThePeerAddress) {
  auto listener = SocketListener::Open("127.0.0.1", 0);
  ASSERT_TRUE(listener) << listener.error().message;
  ASSERT_NE((*listener)->port(), 0);
  const UniqueFd client = Connect(AF_INET, "127.0.0.1", (*listener)->port());
  ASSERT_TRUE(client.valid());
  auto accepted = (*listener)->Accept();
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_TRUE(accepted->fd.valid());
  EXPECT_EQ(accepted->peer_address, "127.0.0.1");
}

// DIMSE answers in small writes; with Nagle on, each waits for a delayed ACK.
TEST(SocketListenerTest, AcceptedConnectionsSendWithoutNagleDelay) {
  auto listener = SocketListener::Open("127.0.0.1", 0);
  ASSERT_TRUE(listener);
  const UniqueFd client = Connect(AF_INET, "127.0.0.1", (*listener)->port());
  ASSERT_TRUE(client.valid());
  auto accepted = (*listener)->Accept();
  ASSERT_TRUE(accepted);
  int nodelay = 0;
  socklen_t size = sizeof(nodelay);
  ASSERT_EQ(::getsockopt(accepted->fd.get(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &size), 0);
  EXPECT_NE(nodelay, 0);
}

TEST(SocketListenerTest, ListensOnIpv6) {
  auto listener = SocketListener::Open("::1", 0);
  if (!listener) GTEST_SKIP() << "no IPv6 loopback here: " << listener.error().message;
  const UniqueFd client = Connect(AF_INET6, "::1", (*listener)->port());
  ASSERT_TRUE(client.valid());
  auto accepted = (*listener)->Accept();
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(accepted->peer_address, "::1");
}

TEST(SocketListenerTest, WakeEndsAWaitingAccept) {
  auto listener = SocketListener::Open("127.0.0.1", 0);
  ASSERT_TRUE(listener);
  SocketListener& socket = **listener;
  auto waiting = std::async(std::launch::async, [&socket] { return socket.Accept(); });
  socket.Wake();
  auto result = waiting.get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(socket.Accept());  // and stays woken
}

TEST(SocketListenerTest, ReportsATakenPort) {
  auto first = SocketListener::Open("127.0.0.1", 0);
  ASSERT_TRUE(first);
  auto second = SocketListener::Open("127.0.0.1", (*first)->port());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kIo);
  EXPECT_FALSE(SocketListener::Open("no-such-host.invalid", 0));
}

}  // namespace
}  // namespace tessera::dimse
