#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera::auth {

// Argon2id cost parameters. The defaults follow the OWASP recommendation for
// argon2id (19 MiB, 2 passes, 1 lane): about 30 ms per hash on a server core.
// The parameters are stored inside each encoded hash, so raising them later
// only affects new hashes.
struct Argon2Params {
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t lanes = 1;
};

// Hashes and verifies passwords with argon2id (libargon2), in the PHC string
// format "$argon2id$v=19$m=...,t=...,p=...$salt$hash". CPU- and memory-heavy:
// call it from a BlockingPool thread, never from an I/O thread. Thread-safe.
class PasswordHasher {
 public:
  explicit PasswordHasher(Argon2Params params = {}) : params_(params) {}

  // Returns the encoded hash with a fresh 16-byte random salt.
  // Errors: kInvalidArgument for an empty or over-long (> 1024 bytes) password,
  // kInternal when libargon2 or the random generator fails.
  Result<std::string> Hash(std::string_view password) const;

  // True when `password` matches `encoded`. A malformed `encoded` is a mismatch.
  // The final comparison inside libargon2 is constant-time.
  bool Verify(std::string_view encoded, std::string_view password) const;

  // Spends the time of one Verify without a stored hash, so that "no such user"
  // takes as long as "wrong password" and user names cannot be probed by timing.
  void VerifyDummy(std::string_view password) const;

 private:
  Argon2Params params_;
};

}  // namespace tessera::auth
