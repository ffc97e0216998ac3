#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace tessera::dimse {

// A connection taken from the listening socket.
struct AcceptedSocket {
  UniqueFd fd;
  std::string peer_address;  // numeric, e.g. "127.0.0.1" or "::1"
};

// A listening TCP socket with a wake-up channel, so a thread blocked in Accept()
// can be told to stop. DCMTK 3.6.7 can only listen on every IPv4 interface and
// cannot report an ephemeral port, hence our own socket. Accept() runs on one
// thread; Wake() may be called from any thread.
class SocketListener {
 public:
  // Binds `address` ("" or "0.0.0.0": all IPv4 interfaces; "::" all IPv6 ones;
  // a host name: its first address) and `port` (0: a free one) and listens.
  // Errors: kIo naming the address when it cannot be resolved or bound (e.g. the
  // port is taken).
  static Result<std::unique_ptr<SocketListener>> Open(const std::string& address,
                                                      std::uint16_t port);
  SocketListener(const SocketListener&) = delete;
  SocketListener& operator=(const SocketListener&) = delete;

  // The bound port.
  std::uint16_t port() const { return port_; }

  // Waits for the next connection. Errors: kUnavailable once Wake() was called
  // (and on every call after it); kIo when accept(2) fails for a reason other
  // than the peer giving up.
  Result<AcceptedSocket> Accept();

  // Makes the current and every later Accept() return kUnavailable.
  void Wake();

 private:
  SocketListener(UniqueFd listen_fd, UniqueFd wake_fd, std::uint16_t port);

  UniqueFd listen_fd_;
  UniqueFd wake_fd_;  // an eventfd
  std::uint16_t port_;
};

}  // namespace tessera::dimse
