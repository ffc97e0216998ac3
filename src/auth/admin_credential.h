#pragma once

#include <filesystem>
#include <string_view>

#include "auth/password_hasher.h"

namespace tessera::auth {

// The admin password of the generate-token page and the admin API. The hash
// file is read on every check (a few hundred bytes next to an argon2 run), so
// `tessera admin-password` takes effect without a restart. Blocking: call it on
// the BlockingPool. Thread-safe.
class AdminCredential {
 public:
  AdminCredential(std::filesystem::path hash_file, const PasswordHasher& hasher)
      : hash_file_(std::move(hash_file)), hasher_(hasher) {}

  // True when `password` matches; false when it does not or no hash is stored.
  bool Verify(std::string_view password) const;

 private:
  const std::filesystem::path hash_file_;
  const PasswordHasher& hasher_;
};

}  // namespace tessera::auth
