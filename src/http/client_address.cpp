#include "http/client_address.h"

#include <algorithm>

#include <arpa/inet.h>

#include "base/strings.h"

namespace tessera::http {

std::optional<std::string> CanonicalAddress(std::string_view text) {
  const std::string literal(Trim(text));
  in_addr v4{};
  char out[INET6_ADDRSTRLEN] = {};
  if (::inet_pton(AF_INET, literal.c_str(), &v4) == 1) {
    return std::string(::inet_ntop(AF_INET, &v4, out, sizeof out));
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, literal.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::copy_n(v6.s6_addr + 12, 4, reinterpret_cast<unsigned char*>(&v4.s_addr));
    return std::string(::inet_ntop(AF_INET, &v4, out, sizeof out));
  }
  return std::string(::inet_ntop(AF_INET6, &v6, out, sizeof out));
}

namespace {

// An X-Forwarded-For entry without the port some proxies add: "192.0.2.1:443",
// "[2001:db8::1]:443", "[2001:db8::1]".
std::string_view WithoutPort(std::string_view hop) {
  hop = Trim(hop);
  if (hop.starts_with('[')) {
    const auto close = hop.find(']');
    return close == std::string_view::npos ? hop : hop.substr(1, close - 1);
  }
  const auto colon = hop.find(':');
  if (colon != std::string_view::npos && hop.find(':', colon + 1) == std::string_view::npos) {
    return hop.substr(0, colon);  // one colon: IPv4 with a port (IPv6 has several)
  }
  return hop;
}

}  // namespace

std::string ClientAddress(const std::string& peer, std::string_view forwarded_for,
                          std::span<const std::string> trusted_proxies) {
  const auto trusted = [&](const std::string& address) {
    return std::find(trusted_proxies.begin(), trusted_proxies.end(), address) !=
           trusted_proxies.end();
  };
  if (!trusted(peer)) return peer;
  const auto hops = Split(forwarded_for, ',');
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    const auto address = CanonicalAddress(WithoutPort(*hop));
    if (!address) break;
    if (!trusted(*address)) return *address;
  }
  return peer;
}

}  // namespace tessera::http
