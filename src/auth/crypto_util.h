#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera::auth {

// Small cryptographic primitives over OpenSSL, shared by the token and password
// code. Thread-safe.

// `count` bytes from the OpenSSL CSPRNG. Errors: kInternal if the generator fails.
Result<std::string> RandomBytes(std::size_t count);

// RFC 4648 §5 base64url without padding.
std::string Base64UrlEncode(std::string_view bytes);
// Decodes unpadded base64url; nullopt on padding, on any character outside the
// alphabet and on non-zero leftover bits, so that each byte string has one
// spelling (a JWT's parts are unpadded, RFC 7515 section 2).
std::optional<std::string> Base64UrlDecode(std::string_view text);

using Sha256Digest = std::array<unsigned char, 32>;
Sha256Digest Sha256(std::string_view bytes);

// Compares without an early exit, so the time taken says nothing about where
// the inputs differ (only whether their lengths do).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace tessera::auth
