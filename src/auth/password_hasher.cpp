#include "auth/password_hasher.h"

#include <argon2.h>

#include "auth/crypto_util.h"

namespace tessera::auth {

static constexpr std::size_t kSaltBytes = 16;
static constexpr std::size_t kHashBytes = 32;
static constexpr std::size_t kMaxPasswordBytes = 1024;

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  if (password.empty() || password.size() > kMaxPasswordBytes) {
    return Fail(ErrorCode::kInvalidArgument, "password must have 1 to 1024 bytes");
  }
  auto salt = RandomBytes(kSaltBytes);
  if (!salt) return std::move(salt).error();
  std::string encoded(argon2_encodedlen(params_.iterations, params_.memory_kib, params_.lanes,
                                        kSaltBytes, kHashBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(params_.iterations, params_.memory_kib, params_.lanes,
                                       password.data(), password.size(), salt->data(), salt->size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Fail(ErrorCode::kInternal, std::string("argon2id: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));  // argon2_encodedlen counts the terminator
  return encoded;
}

bool PasswordHasher::Verify(std::string_view encoded, std::string_view password) const {
  if (password.size() > kMaxPasswordBytes) return false;
  if (!encoded.starts_with("$argon2id$")) return false;
  const std::string terminated(encoded);  // libargon2 wants a C string
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

void PasswordHasher::VerifyDummy(std::string_view password) const {
  // A fixed salt is fine: the result is thrown away, only the time matters.
  static constexpr char kSalt[kSaltBytes] = {};
  unsigned char hash[kHashBytes];
  (void)argon2id_hash_raw(params_.iterations, params_.memory_kib, params_.lanes, password.data(),
                          std::min(password.size(), kMaxPasswordBytes), kSalt, kSaltBytes, hash,
                          kHashBytes);
}

}  // namespace tessera::auth
