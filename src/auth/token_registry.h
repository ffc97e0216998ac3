#pragma once

#include <chrono>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "base/result.h"
#include "db/database.h"

namespace tessera::auth {

// The token ids (jti) that must no longer pass: spent one-off tokens and
// revoked tokens, each kept until the token would have expired anyway. Held in
// memory for the guard and written through to auth.db so that a restart
// forgets nothing. IsBlocked is in-memory; the other methods are blocking
// (SQLite) and belong on the BlockingPool. Thread-safe.
class TokenRegistry {
 public:
  // Blocking. Loads the unexpired entries. `db` and `clock` must outlive the registry.
  static Result<std::unique_ptr<TokenRegistry>> Open(db::Database& db, const Clock& clock);
  TokenRegistry(const TokenRegistry&) = delete;
  TokenRegistry& operator=(const TokenRegistry&) = delete;

  // Non-blocking. True when `jti` was spent or revoked.
  bool IsBlocked(std::string_view jti) const;

  // Blocking. Marks a one-off token spent. Returns true for the first caller and
  // false when it was already spent or revoked, atomically: of two concurrent
  // exchanges of one token exactly one wins.
  Result<bool> Spend(std::string_view jti, std::chrono::sys_seconds expires_at);

  // Blocking. Refuses `jti` from now on (idempotent).
  Status Revoke(std::string_view jti, std::chrono::sys_seconds expires_at);

  // Blocking. Forgets entries whose tokens have expired.
  Status Prune();

  // Blocking. Re-reads the entries (after another process changed auth.db).
  Status Reload();

  std::size_t size() const;

 private:
  TokenRegistry(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<bool> Block(std::string_view jti, std::chrono::sys_seconds expires_at,
                     std::string_view reason);

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  db::Database& db_;
  const Clock& clock_;
  mutable std::shared_mutex mutex_;
  // jti -> Unix seconds after which the entry can be forgotten.
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> blocked_;
};

}  // namespace tessera::auth
