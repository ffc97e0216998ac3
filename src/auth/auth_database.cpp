#include "auth/auth_database.h"

namespace tessera::auth {

// Times are Unix seconds. `version` changes whenever the user's password or
// permission changes or their tokens are revoked; tokens carry the version they
// were issued under and are refused once it differs.
static constexpr db::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE users (
  username      TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  password_hash TEXT,
  can_edit      INTEGER NOT NULL DEFAULT 0,
  version       TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  last_login    INTEGER
) WITHOUT ROWID;
CREATE TABLE blocked_tokens (
  jti        TEXT PRIMARY KEY,
  reason     TEXT NOT NULL CHECK (reason IN ('spent', 'revoked')),
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX blocked_tokens_expiry ON blocked_tokens(expires_at);
)sql"},
    // The client addresses (auth::AddressKey) each user signed in from lately,
    // spared the per-account sign-in limit across restarts (sign_in_throttle.h).
    {2, R"sql(
CREATE TABLE sign_in_addresses (
  username TEXT NOT NULL,
  address  TEXT NOT NULL,
  last_at  INTEGER NOT NULL,
  PRIMARY KEY (username, address)
) WITHOUT ROWID;
)sql"},
};

Result<std::unique_ptr<db::Database>> OpenAuthDatabase(const std::filesystem::path& file) {
  db::DatabaseOptions options;
  options.readers = 2;
  return db::Database::Open(file, kMigrations, options);
}

}  // namespace tessera::auth
