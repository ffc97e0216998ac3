#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/origin.h"
#include "http/beast.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera::http {

struct CorsOptions {
  // Origins allowed to call us from a browser, with '*' wildcards in the host or
  // port: "https://*.zhiva.ai", "http://localhost:*", or "*" alone for any origin
  // (except "null", which must be listed literally).
  std::vector<std::string> allowed_origins;
};

// Decides which browser origins may use the server. A request whose Origin is
// neither allowed nor our own is refused outright (403), not merely left without
// CORS headers, so that a hostile page cannot make a user's browser act on the
// archive. Immutable after construction; thread-safe.
class CorsPolicy {
 public:
  explicit CorsPolicy(CorsOptions options);

  enum class Verdict {
    kNoOrigin,    // no Origin header: not a cross-origin browser request
    kSameOrigin,  // Origin is our own: no CORS headers needed
    kAllowed,     // an allowed foreign origin: add CORS headers
    kRefused,     // answer Refusal()
  };

  // Classifies `origin` (the Origin header) given our own origin as the client
  // addressed us (Request::Origin()).
  Verdict Evaluate(std::string_view origin, std::string_view own_origin) const;
  Verdict Evaluate(const Request& request) const;

  // True when `origin` matches an allow-list entry.
  bool IsAllowed(std::string_view origin) const;

  // True for an OPTIONS request carrying Access-Control-Request-Method.
  static bool IsPreflight(const Request& request);
  // The 204 answer to a preflight from an allowed (or our own) origin.
  static Response PreflightResponse(const Request& request);
  // Adds the CORS headers of an actual response to a request from `origin`.
  static void AddResponseHeaders(std::string_view origin, Fields& headers);
  // 403 {"message": "Origin not allowed"}.
  static Response Refusal();

 private:
  static bool Matches(const OriginParts& pattern, const OriginParts& origin);

  bool allow_any_ = false;
  bool allow_null_ = false;
  std::vector<OriginParts> patterns_;
};

}  // namespace tessera::http
