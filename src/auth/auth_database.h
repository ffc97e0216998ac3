#pragma once

#include <filesystem>
#include <memory>

#include "base/result.h"
#include "db/database.h"

namespace tessera::auth {

// Opens (creating and migrating) auth.db: the users and the blocked (spent or
// revoked) token ids. Errors: those of db::Database::Open.
Result<std::unique_ptr<db::Database>> OpenAuthDatabase(const std::filesystem::path& file);

}  // namespace tessera::auth
