#pragma once

#include <optional>

#include "http/request.h"
#include "http/response.h"

namespace tessera::http {

// What a route requires of its caller.
enum class Access {
  kPublic,  // anyone (static pages, auth endpoints, OPTIONS)
  kRead,    // a valid token (GET, HEAD)
  kWrite,   // a valid token with permission to edit (POST, PUT, DELETE)
};

// Decides whether a request may reach its handler. The server calls Check for
// every routed request except CORS preflights, on the I/O thread, so an
// implementation must be fast and non-blocking (in-memory state only).
// Implementations are thread-safe.
class Guard {
 public:
  virtual ~Guard() = default;

  // Returns nullopt to let the request through (after setting its principal),
  // or the refusal to send instead (401/403/429 with a message).
  virtual std::optional<Response> Check(Request& request, Access access) = 0;
};

// Lets every request through; the archive runs open until auth is configured.
class AllowAllGuard final : public Guard {
 public:
  std::optional<Response> Check(Request& request, Access) override {
    request.set_principal(Principal{"anonymous", "", true});
    return std::nullopt;
  }
};

}  // namespace tessera::http
