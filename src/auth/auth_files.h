#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "base/result.h"

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

// Replaces `file` with `contents` so that readers see the old or the new file,
// never a mix: a temporary file in the same folder, created with `mode`, written,
// fsynced and renamed over `file`, then the folder fsynced. Errors: kIo.
Status WriteFileAtomically(const std::filesystem::path& file, std::string_view contents,
                           mode_t mode);

// Reads a small file whole (at most 1 MiB). Errors: kNotFound, kIo, kTooLarge.
Result<std::string> ReadSmallFile(const std::filesystem::path& file);

}  // namespace tessera::auth
