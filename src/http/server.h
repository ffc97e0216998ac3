#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "http/cors.h"
#include "http/guard.h"
#include "http/router.h"

namespace tessera::http {

struct ServerOptions {
  std::string address = "0.0.0.0";  // "::" listens on IPv6 and IPv4
  std::uint16_t port = 0;           // 0: any free port (see Server::port())
  bool tls = false;
  std::filesystem::path certificate_file;  // PEM chain, leaf first (when tls)
  std::filesystem::path private_key_file;  // PEM (when tls)
  std::uint64_t max_body_bytes = std::uint64_t{2000} << 20;
  std::size_t max_header_bytes = std::size_t{64} << 10;
  // For a request's header to arrive (the first on a new connection, after its TLS
  // handshake, which has as long; or the next on a keep-alive connection).
  std::chrono::seconds idle_timeout{60};
  // For a new connection's TLS handshake (at most idle_timeout).
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds request_timeout{300};  // each body read or write
  // Once body_grace has passed since a body's first read, it must have come at
  // min_body_bytes_per_second on average so far: a body trickled in a byte a
  // minute would otherwise hold its connection for hours, each read within
  // request_timeout.
  std::chrono::seconds body_grace{30};
  std::uint64_t min_body_bytes_per_second = 1024;
  // Connections beyond these are closed as they arrive; IPv6 clients count per /64.
  std::size_t max_connections = 4096;
  std::size_t max_connections_per_address = 256;
  // Reverse proxies (canonical addresses, see CanonicalAddress) whose
  // X-Forwarded-For names the client: requests through them count as the
  // client's (sign-in limits, the access log). Connections still count per proxy.
  std::vector<std::string> trusted_proxies;
  std::size_t io_threads = 2;
  CorsOptions cors;
};

// The HTTP/1.1 server: accepts connections (TLS 1.2+ or plain TCP), reads each
// request with a streaming body, applies CORS, routes it, asks the Guard, runs
// the handler and writes the response (gzip for large text, sendfile for file
// ranges on plain TCP, chunked for streamed bodies). One coroutine per
// connection on its own strand; `io_threads` threads run them all.
//
// Thread safety: Stop() and port() may be called from any thread; Start() and
// Run() from one thread, in that order, once. The Router and Guard must outlive
// the Server.
class Server {
 public:
  Server(ServerOptions options, const Router& router, Guard& guard);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Loads the certificate (when tls) and binds and listens. Errors: kIo with a
  // message naming the address or file, e.g. when the port is in use or the
  // certificate or key cannot be loaded; kInvalidArgument for a bad address.
  Status Start();

  // The port actually bound (useful with port 0). REQUIRES: Start() succeeded.
  std::uint16_t port() const;

  // Serves until Stop() or SIGINT/SIGTERM, then shuts down gracefully: stops
  // accepting, closes idle connections, lets requests in flight finish (for up to
  // 30 s, after which their connections are dropped) and returns.
  // REQUIRES: Start() succeeded.
  void Run();

  // Asks Run() to shut down gracefully and return. Idempotent; may be called
  // before Run() (it then returns as soon as it has started).
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::http
