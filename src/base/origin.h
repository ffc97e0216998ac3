#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera {

// An origin as browsers send it and CORS compares it (RFC 6454): lower-case
// scheme and host, and the port only when it is not the scheme's default.
struct OriginParts {
  std::string scheme;
  std::string host;  // an IPv6 literal keeps its brackets
  std::string port;  // empty: the scheme's default
  bool operator==(const OriginParts&) const = default;

  // "scheme://host[:port]", as in an Origin header.
  std::string Serialize() const;
};

// Parses "scheme://host[:port]", case-insensitively: no path, no user info.
// With `allow_wildcards` (allow-list patterns), '*' may stand for host
// characters and for the whole port ("https://*.example.org", "http://localhost:*").
// Nullopt for anything else.
std::optional<OriginParts> ParseOrigin(std::string_view text, bool allow_wildcards);

// An entry of an allowed-origins list: "*" (any origin), "null" (only when
// listed as such), or a pattern ParseOrigin accepts with wildcards.
bool IsAllowedOriginEntry(std::string_view entry);

}  // namespace tessera
