#pragma once

#include <string_view>

#include "base/result.h"

namespace tessera::auth {

// The password rule of the zhiva auth pages, enforced on the server: at least 8
// characters with an upper-case letter, a lower-case letter, a digit and a
// special character (anything that is not an ASCII letter or digit, so
// non-ASCII letters count as special, as in the pages' regular expression).

inline constexpr std::string_view kPasswordPolicyText =
    "Password must have at least 8 characters with an upper-case letter, a lower-case letter, "
    "a digit and a special character";

// Errors: kInvalidArgument with kPasswordPolicyText when `password` breaks the
// rule or is longer than 1024 bytes; kInvalidArgument naming control characters
// (a line break, a tab) when it has any.
Status CheckPasswordPolicy(std::string_view password);

}  // namespace tessera::auth
