#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tessera::http {

// `text` as the canonical form of an IPv4 or IPv6 address (an IPv4-mapped IPv6
// address as IPv4), or nullopt when it is not an address literal.
std::optional<std::string> CanonicalAddress(std::string_view text);

// The address of the client behind a request: `peer` (the connection's own,
// canonical), unless it is one of `trusted_proxies` (canonical addresses), in
// which case the rightmost address of X-Forwarded-For that is not a trusted
// proxy (a port some proxies append is dropped). Entries that are not addresses end the walk: a
// proxy that appended one is misconfigured, and what lies left of it cannot be trusted. Without a
// usable entry, `peer`.
std::string ClientAddress(const std::string& peer, std::string_view forwarded_for,
                          std::span<const std::string> trusted_proxies);

}  // namespace tessera::http
