#include "auth/password_policy.h"

#include <string>

namespace tessera::auth {

static constexpr std::size_t kMinCharacters = 8;
static constexpr std::size_t kMaxBytes = 1024;

Status CheckPasswordPolicy(std::string_view password) {
  bool upper = false;
  bool lower = false;
  bool digit = false;
  bool special = false;
  std::size_t characters = 0;
  for (const char c : password) {
    const auto u = static_cast<unsigned char>(c);
    // Nobody can type one at a sign-in form: a line break from a file or an
    // environment variable would make the password unusable (and "special").
    if (u < 0x20 || u == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument,
                  "Password must not contain control characters such as a line break");
    }
    // Count code points, not bytes: UTF-8 continuation bytes are 10xxxxxx.
    if ((u & 0xC0) != 0x80) ++characters;
    if (u >= 'A' && u <= 'Z') {
      upper = true;
    } else if (u >= 'a' && u <= 'z') {
      lower = true;
    } else if (u >= '0' && u <= '9') {
      digit = true;
    } else {
      special = true;
    }
  }
  const bool strong = characters >= kMinCharacters && password.size() <= kMaxBytes && upper &&
                      lower && digit && special;
  if (!strong) return Fail(ErrorCode::kInvalidArgument, std::string(kPasswordPolicyText));
  return Ok();
}

}  // namespace tessera::auth
