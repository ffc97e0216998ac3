#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/guard.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera::http {

using Handler = std::function<Awaitable<Response>(Request&)>;

// Maps (method, path) to a handler. Patterns are absolute paths whose segments
// are literals or captures: "/zhiva/pacs/studies/{study}/series/{series}". A
// final "{*rest}" captures the remaining path (for static files). Literal
// segments win over captures. A GET route also answers HEAD (body dropped by
// the session). Built once at start-up, then read-only and thread-safe.
class Router {
 public:
  struct Route {
    Verb method;
    std::string pattern;
    Access access;
    Handler handler;
  };

  // REQUIRES: `pattern` starts with '/'; no two routes with the same method and pattern.
  void Add(Verb method, std::string pattern, Access access, Handler handler);

  struct Match {
    const Route* route = nullptr;                             // null: no match
    std::vector<std::pair<std::string, std::string>> params;  // captures, decoded
    std::vector<Verb> allowed;  // when the path matched other methods only (405)
  };
  Match Find(Verb method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct PatternSegment {
    enum class Kind { kLiteral, kCapture, kRest } kind;
    std::string text;  // the literal, or the capture's name
  };
  using Pattern = std::vector<PatternSegment>;

  static bool Matches(const Pattern& pattern, const std::vector<std::string_view>& segments);
  // True when `a` is more specific than `b` (literal > capture > rest, left to right).
  static bool MoreSpecific(const Pattern& a, const Pattern& b);

  std::vector<Route> routes_;
  std::vector<Pattern> patterns_;  // parallel to routes_
};

}  // namespace tessera::http
