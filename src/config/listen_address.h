#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera::config {

struct ListenAddress {
  std::string host;  // "0.0.0.0", "127.0.0.1", "::", ...
  std::uint16_t port = 0;
};

// True when `text` is an IPv4 or IPv6 address (without brackets), not a name.
bool IsIpAddress(const std::string& text);

// Parses "HOST:PORT" or "[IPv6]:PORT". Errors: kInvalidArgument.
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace tessera::config
