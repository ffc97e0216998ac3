#include "auth/admin_credential.h"

#include "auth/auth_files.h"
#include "base/strings.h"

namespace tessera::auth {

bool AdminCredential::Verify(std::string_view password) const {
  const auto stored = ReadSmallFile(hash_file_);
  if (!stored) {
    hasher_.VerifyDummy(password);
    return false;
  }
  return hasher_.Verify(Trim(*stored), password);
}

}  // namespace tessera::auth
