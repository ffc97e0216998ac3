#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "db/database.h"

namespace tessera::auth {

// A user as stored in auth.db.
struct User {
  std::string username;                      // unique, case-sensitive
  std::string name;                          // display name
  std::optional<std::string> password_hash;  // argon2id; none: token-only user
  bool can_edit = false;                     // may POST/PUT/DELETE archive resources
  std::string version;                       // see UserStore
  std::chrono::sys_seconds created_at{};
  std::optional<std::chrono::sys_seconds> last_login;
};

// What token checks need about a user, held in memory.
struct UserState {
  std::string name;
  bool can_edit = false;
  std::string version;
};

// A user to create, or the new state of an existing one.
struct UserChange {
  std::string username;
  std::string name;
  bool can_edit = false;
  std::optional<std::string> password_hash;  // none: keep (or, when creating, no password)
};

inline constexpr std::size_t kMaxUsernameBytes = 128;

// Errors: kInvalidArgument unless `username` is 1-128 bytes of UTF-8 without
// whitespace, control characters or characters that print as nothing. For new
// names only: users created under an older version's rules keep theirs.
Status CheckUsername(std::string_view username);
// Errors: kInvalidArgument unless `name` is 1-256 bytes of UTF-8 without control
// characters and not only spaces.
Status CheckDisplayName(std::string_view name);

// The users of auth.db with an in-memory copy of the state token checks need.
// Every user has a `version` (random, 16 hex digits) that changes whenever the
// password or the permission changes or the user's tokens are revoked; tokens
// carry the version they were issued under, so changing it refuses them all.
// A re-created user gets a new version, so a deleted user's tokens stay dead.
//
// Methods marked "blocking" touch SQLite: call them on the BlockingPool.
// Lookup is in-memory and cheap (for the guard on I/O threads). Writes go to
// SQLite first and then to memory, under the database's writer lock, so memory
// never shows a state SQLite has not committed. Thread-safe.
class UserStore {
 public:
  // Blocking. Loads the in-memory view. `db` and `clock` must outlive the store.
  static Result<std::unique_ptr<UserStore>> Open(db::Database& db, const Clock& clock);
  UserStore(const UserStore&) = delete;
  UserStore& operator=(const UserStore&) = delete;

  // Non-blocking. Nullopt when the user does not exist.
  std::optional<UserState> Lookup(std::string_view username) const;

  // Blocking. Nullopt when the user does not exist.
  Result<std::optional<User>> Find(std::string_view username) const;
  // Blocking. All users, ordered by username.
  Result<std::vector<User>> List() const;
  // Blocking. Errors: kAlreadyExists.
  Result<User> Create(const UserChange& change);
  // Blocking. Creates the user, or gives the existing one `change.can_edit` and,
  // when set, `change.password_hash`; an existing user keeps their name. The
  // version changes when the password is set or the permission changes.
  Result<User> Upsert(const UserChange& change);
  // Blocking. New version when the permission changes. Errors: kNotFound.
  Result<User> SetPermission(std::string_view username, bool can_edit);
  // Blocking. Always a new version. Errors: kNotFound.
  Result<User> SetPassword(std::string_view username, std::string password_hash);
  // Blocking. A new version: every token issued so far is refused. Errors: kNotFound.
  Status RevokeTokens(std::string_view username);
  // Blocking. Errors: kNotFound.
  Status Delete(std::string_view username);
  // Blocking. Sets last_login to now and notes that the user signed in from
  // `address_key` (auth::AddressKey), keeping their latest `keep` addresses; a
  // missing user is not an error.
  Status RecordLogin(std::string_view username, std::string_view address_key, std::size_t keep);
  // Blocking. Every (username, address) noted by RecordLogin, oldest first.
  Result<std::vector<std::pair<std::string, std::string>>> SignInAddresses() const;
  // Blocking. Re-reads the in-memory view (after another process changed auth.db).
  Status Reload();

 private:
  UserStore(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  Status LoadLocked(db::Connection& connection);
  void Remember(const User& user);

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  db::Database& db_;
  const Clock& clock_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, UserState, Hash, std::equal_to<>> users_;
};

}  // namespace tessera::auth
