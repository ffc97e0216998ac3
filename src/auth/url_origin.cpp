#include "auth/url_origin.h"

#include <algorithm>
#include <cctype>

#include "base/strings.h"

namespace tessera::auth {

static bool IsHostCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

std::optional<std::string> OriginOf(std::string_view url) {
  std::string scheme;
  if (IStartsWith(url, "https://")) {
    scheme = "https";
  } else if (IStartsWith(url, "http://")) {
    scheme = "http";
  } else {
    return std::nullopt;
  }
  url.remove_prefix(scheme.size() + 3);
  const std::string_view authority = url.substr(0, url.find_first_of("/?#\\"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {  // IPv6 literal
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  std::string lower_host = ToLowerAscii(host);
  const bool ipv6 = lower_host.starts_with('[');
  const bool host_ok = !lower_host.empty() &&
                       (ipv6 ? std::all_of(lower_host.begin() + 1, lower_host.end() - 1,
                                           [](char c) {
                                             return std::isxdigit(static_cast<unsigned char>(c)) ||
                                                    c == ':' || c == '.';
                                           })
                             : std::all_of(lower_host.begin(), lower_host.end(), IsHostCharacter));
  if (!host_ok) return std::nullopt;

  std::string origin = scheme + "://" + lower_host;
  if (port.empty()) return origin;
  const auto number = ParseUint(port);
  if (!number || *number == 0 || *number > 65535) return std::nullopt;
  const bool is_default =
      (scheme == "https" && *number == 443) || (scheme == "http" && *number == 80);
  if (!is_default) origin += ":" + std::to_string(*number);
  return origin;
}

}  // namespace tessera::auth
