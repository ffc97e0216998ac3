#include "config/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "base/strings.h"

namespace tessera::config {

bool IsIpAddress(const std::string& text) {
  in6_addr address{};
  return ::inet_pton(AF_INET, text.c_str(), &address) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                "expected ADDRESS:PORT, got '" + std::string(text) + "'");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string_view host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad();
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad();  // bare IPv6 needs brackets
  }
  const auto port = ParseUint(text.substr(colon + 1));
  if (!port || *port > 65535) return bad();
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(*port)};
}

}  // namespace tessera::config
