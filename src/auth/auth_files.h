#pragma once

#include <filesystem>

#include "base/small_file.h"

namespace tessera::auth {

// Where the authentication state lives inside <data>/auth.
struct AuthFiles {
  explicit AuthFiles(std::filesystem::path dir) : dir(std::move(dir)) {}

  std::filesystem::path signing_key() const { return dir / "signing-key.pem"; }
  std::filesystem::path key_id() const { return dir / "signing-key.kid"; }
  std::filesystem::path admin_password() const { return dir / "admin-password.argon2id"; }
  // A generated first password, kept for its owner when no terminal showed it;
  // gone once the password is changed.
  std::filesystem::path initial_admin_password() const { return dir / "initial-admin-password"; }
  std::filesystem::path database() const { return dir / "auth.db"; }

  std::filesystem::path dir;
};

}  // namespace tessera::auth
