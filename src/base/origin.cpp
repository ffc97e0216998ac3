#include "base/origin.h"

#include <algorithm>

#include "base/strings.h"

namespace tessera {
namespace {

bool IsHostChar(char c, bool allow_wildcards) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
         (allow_wildcards && c == '*');
}

std::string_view DefaultPort(std::string_view scheme) {
  if (scheme == "https") return "443";
  if (scheme == "http") return "80";
  return "";
}

}  // namespace

std::optional<OriginParts> ParseOrigin(std::string_view text, bool allow_wildcards) {
  const std::string lower = ToLowerAscii(text);
  const std::string_view origin = lower;
  const auto separator = origin.find("://");
  if (separator == std::string_view::npos || separator == 0) return std::nullopt;
  const std::string_view scheme = origin.substr(0, separator);
  const bool scheme_ok = std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
  if (!scheme_ok) return std::nullopt;
  std::string_view authority = origin.substr(separator + 3);
  std::string_view host;
  if (authority.starts_with('[')) {
    // An IPv6 literal: compared verbatim, never with wildcards.
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    const std::string_view inside = host.substr(1, host.size() - 2);
    const bool ok = !inside.empty() && std::all_of(inside.begin(), inside.end(), [](char c) {
      return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == ':' || c == '.';
    });
    if (!ok) return std::nullopt;
    authority.remove_prefix(close + 1);
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (host.empty()) return std::nullopt;
    const bool ok = std::all_of(host.begin(), host.end(),
                                [&](char c) { return IsHostChar(c, allow_wildcards); });
    if (!ok) return std::nullopt;
    authority.remove_prefix(host.size());
  }
  std::string port;
  if (!authority.empty()) {
    if (authority.front() != ':') return std::nullopt;  // a path, userinfo or other junk
    const std::string_view text = authority.substr(1);
    if (allow_wildcards && text == "*") {
      port = "*";
    } else {
      const auto number = text.size() <= 5 ? ParseUint(text) : std::nullopt;
      if (!number || *number == 0 || *number > 65535) return std::nullopt;
      port = std::to_string(*number);  // "08443" is port 8443
    }
  }
  if (port == DefaultPort(scheme)) port.clear();
  return OriginParts{std::string(scheme), std::string(host), std::move(port)};
}

std::string OriginParts::Serialize() const {
  return scheme + "://" + host + (port.empty() ? "" : ":" + port);
}

bool IsAllowedOriginEntry(std::string_view entry) {
  const std::string_view text = Trim(entry);
  return text == "*" || text == "null" || ParseOrigin(text, /*allow_wildcards=*/true).has_value();
}

}  // namespace tessera
