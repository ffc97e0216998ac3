#include "dimse/socket_listener.h"

#include <array>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

namespace tessera::dimse {
namespace {

constexpr int kBacklog = 64;

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

Error IoError(std::string_view what, std::string_view address, std::uint16_t port, int error) {
  return Fail(ErrorCode::kIo, std::string(what) + " " + std::string(address) + ":" +
                                  std::to_string(port) + ": " + std::strerror(error));
}

std::string NumericAddress(const sockaddr_storage& address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
  }
  return text.data();
}

std::uint16_t BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return 0;
  if (bound.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
}

}  // namespace

SocketListener::SocketListener(UniqueFd listen_fd, UniqueFd wake_fd, std::uint16_t port)
    : listen_fd_(std::move(listen_fd)), wake_fd_(std::move(wake_fd)), port_(port) {}

Result<std::unique_ptr<SocketListener>> SocketListener::Open(const std::string& address,
                                                             std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* raw = nullptr;
  const std::string service = std::to_string(port);
  const int resolved =
      getaddrinfo(address.empty() ? nullptr : address.c_str(), service.c_str(), &hints, &raw);
  if (resolved != 0) {
    return Fail(ErrorCode::kIo,
                "cannot resolve DICOM listen address " + address + ": " + gai_strerror(resolved));
  }
  const std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  int last_error = EADDRNOTAVAIL;
  for (const addrinfo* info = list.get(); info != nullptr; info = info->ai_next) {
    UniqueFd fd(::socket(info->ai_family, info->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                         info->ai_protocol));
    if (!fd.valid()) {
      last_error = errno;
      continue;
    }
    const int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (::bind(fd.get(), info->ai_addr, info->ai_addrlen) != 0 ||
        ::listen(fd.get(), kBacklog) != 0) {
      last_error = errno;
      continue;
    }
    UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake.valid()) return IoError("eventfd for", address, port, errno);
    const std::uint16_t bound = BoundPort(fd.get());
    return std::unique_ptr<SocketListener>(
        new SocketListener(std::move(fd), std::move(wake), bound));
  }
  return IoError("cannot listen on", address, port, last_error);
}

Result<AcceptedSocket> SocketListener::Accept() {
  while (true) {
    std::array<pollfd, 2> fds{};
    fds[0] = pollfd{listen_fd_.get(), POLLIN, 0};
    fds[1] = pollfd{wake_fd_.get(), POLLIN, 0};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::kIo, std::string("poll: ") + std::strerror(errno));
    }
    if (fds[1].revents != 0) return Fail(ErrorCode::kUnavailable, "the listener was stopped");
    if (fds[0].revents == 0) continue;

    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    UniqueFd fd(
        ::accept4(listen_fd_.get(), reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC));
    if (fd.valid()) {
      // DCMTK sends a PDU header and its body in separate writes; with Nagle's
      // algorithm on, the body waits for the peer's delayed ACK (40 ms on
      // Linux) on every C-STORE response. DCMTK's own acceptor sets this too.
      const int on = 1;
      ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
      return AcceptedSocket{std::move(fd), NumericAddress(peer)};
    }
    // The peer may have given up between poll and accept; transient errors repeat.
    if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED || errno == EPROTO ||
        errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      if (errno == EMFILE || errno == ENFILE) ::poll(nullptr, 0, 100);  // let descriptors free up
      continue;
    }
    return Fail(ErrorCode::kIo, std::string("accept: ") + std::strerror(errno));
  }
}

void SocketListener::Wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(wake_fd_.get(), &one, sizeof(one));
}

}  // namespace tessera::dimse
