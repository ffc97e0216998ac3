#pragma once

// Internal to http/: one coroutine per accepted connection.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "http/beast.h"
#include "http/cors.h"
#include "http/guard.h"
#include "http/router.h"
#include "http/server.h"
#include "http/session_tracker.h"

namespace tessera::http {

// What every session of a server shares. All members outlive the sessions.
struct SessionEnv {
  const ServerOptions& options;
  const Router& router;
  Guard& guard;
  const CorsPolicy& cors;
  SessionTracker& tracker;
};

// Serves requests on `socket` until the client leaves, a timeout passes, an
// error occurs or the server shuts down. The socket's executor must be a strand.
Awaitable<void> ServePlainConnection(net::ip::tcp::socket socket, SessionEnv& env);
// The same over TLS: handshake first, close_notify at the end of a clean close.
Awaitable<void> ServeTlsConnection(net::ip::tcp::socket socket, net::ssl::context& context,
                                   SessionEnv& env);

}  // namespace tessera::http
