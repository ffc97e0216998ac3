#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::auth {

// The RFC 6454 origin of an absolute http(s) URL, serialised as browsers send it
// in the Origin header: lower-case scheme and host, the port only when it is not
// the scheme's default ("https://viewer.example:8443"). Nullopt for anything
// else: other schemes, user info, a missing or malformed host or port.
std::optional<std::string> OriginOf(std::string_view url);

}  // namespace tessera::auth
