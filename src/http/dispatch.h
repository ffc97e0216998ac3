#pragma once

// Internal to http/: the steps between reading a request's header and writing
// its response that do not touch the connection, kept apart from the session
// template so they are compiled once and testable without sockets.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/cors.h"
#include "http/guard.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace tessera::http {

// Parses the target, applies the CORS verdict (refusal, preflight), routes,
// asks the guard and runs the handler. Always yields a response: 400 for a bad
// target, 403 for a refused origin, 404/405 (with Allow), the guard's refusal,
// or 500 when the handler throws.
Awaitable<Response> Dispatch(Request& request, CorsPolicy::Verdict verdict, const Router& router,
                             Guard& guard);

// How the response will be sent, as far as its headers are concerned.
struct ResponseContext {
  unsigned version = 11;         // 10 or 11
  bool head = false;             // HEAD request: headers only
  bool keep_alive = true;        // the connection stays open afterwards
  bool accepts_gzip = false;     // the request's Accept-Encoding admits gzip
  std::string_view cors_origin;  // an allowed foreign Origin, or empty
};

// Adds Date, Server, Cross-Origin-Resource-Policy and CORS headers, and gzips a
// large text or JSON string body when the client accepts it.
void FinishHeaders(Response& response, const ResponseContext& context);

// An IMF-fixdate (RFC 9110 5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(std::chrono::system_clock::time_point time);

}  // namespace tessera::http
