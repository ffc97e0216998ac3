#include "auth/user_store.h"

#include <algorithm>
#include <mutex>

#include "auth/crypto_util.h"
#include "base/strings.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kMaxNameBytes = 256;

constexpr char kSelectColumns[] =
    "SELECT username, name, password_hash, can_edit, version, created_at, last_login FROM users";

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

std::int64_t Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

User ReadUser(const db::Statement& row) {
  User user;
  user.username = std::string(row.ColumnText(0));
  user.name = std::string(row.ColumnText(1));
  if (!row.IsNull(2)) user.password_hash = std::string(row.ColumnText(2));
  user.can_edit = row.ColumnInt(3) != 0;
  user.version = std::string(row.ColumnText(4));
  user.created_at = std::chrono::sys_seconds(std::chrono::seconds(row.ColumnInt(5)));
  if (!row.IsNull(6)) {
    user.last_login = std::chrono::sys_seconds(std::chrono::seconds(row.ColumnInt(6)));
  }
  return user;
}

Result<std::string> NewVersion() {
  auto bytes = RandomBytes(8);
  if (!bytes) return std::move(bytes).error();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (const char c : *bytes) {
    const auto u = static_cast<unsigned char>(c);
    hex.push_back(kHex[u >> 4]);
    hex.push_back(kHex[u & 15]);
  }
  return hex;
}

Result<std::optional<User>> FindWith(db::Connection& connection, std::string_view username) {
  auto select = connection.Cached(std::string(kSelectColumns) + " WHERE username = ?");
  if (!select) return std::move(select).error();
  auto& statement = **select;
  statement.Bind(1, username);
  auto row = statement.Step();
  if (!row) return std::move(row).error();
  std::optional<User> user;
  if (*row) user = ReadUser(statement);
  statement.Reset();
  return user;
}

Status Insert(db::Connection& connection, const User& user) {
  auto insert = connection.Cached(
      "INSERT INTO users (username, name, password_hash, can_edit, version, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!insert) return std::move(insert).error();
  auto& statement = **insert;
  statement.Bind(1, user.username).Bind(2, user.name);
  if (user.password_hash) {
    statement.Bind(3, *user.password_hash);
  } else {
    statement.BindNull(3);
  }
  statement.Bind(4, user.can_edit ? 1 : 0)
      .Bind(5, user.version)
      .Bind(6, user.created_at.time_since_epoch().count());
  return statement.Run();
}

Status UpdateCredentials(db::Connection& connection, const User& user) {
  auto update = connection.Cached(
      "UPDATE users SET password_hash = ?, can_edit = ?, version = ? WHERE username = ?");
  if (!update) return std::move(update).error();
  auto& statement = **update;
  if (user.password_hash) {
    statement.Bind(1, *user.password_hash);
  } else {
    statement.BindNull(1);
  }
  statement.Bind(2, user.can_edit ? 1 : 0).Bind(3, user.version).Bind(4, user.username);
  return statement.Run();
}

Error NoSuchUser() { return Error{ErrorCode::kNotFound, "no such user"}; }

// Spaces other than ' ' and characters that print as nothing: with them two
// usernames could look the same in the admin's list ("ab" and "a\u200Bb").
bool IsInvisible(char32_t c) {
  return c == 0x00A0 || c == 0x00AD || c == 0x034F || c == 0x061C || c == 0x115F || c == 0x1160 ||
         c == 0x17B4 || c == 0x17B5 || c == 0x180E || (c >= 0x2000 && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) || c == 0x3000 ||
         c == 0x3164 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF || c == 0xFFA0;
}

// REQUIRES: `text` is valid UTF-8.
bool HasInvisible(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const long c = DecodeUtf8(text, i);
    if (c < 0) return false;  // not UTF-8: refused elsewhere
    if (IsInvisible(static_cast<char32_t>(c))) return true;
  }
  return false;
}

}  // namespace

Status CheckUsername(std::string_view username) {
  const bool ok = !username.empty() && username.size() <= kMaxUsernameBytes &&
                  IsValidUtf8(username) &&
                  std::none_of(username.begin(), username.end(),
                               [](char c) {
                                 const auto u = static_cast<unsigned char>(c);
                                 return IsControl(u) || u == ' ';
                               }) &&
                  !HasInvisible(username);
  if (!ok) return Fail(ErrorCode::kInvalidArgument, "username not valid");
  return Ok();
}

Status CheckDisplayName(std::string_view name) {
  const bool ok = !Trim(name).empty() && name.size() <= kMaxNameBytes && IsValidUtf8(name) &&
                  std::none_of(name.begin(), name.end(),
                               [](char c) { return IsControl(static_cast<unsigned char>(c)); });
  if (!ok) return Fail(ErrorCode::kInvalidArgument, "Name not valid");
  return Ok();
}

Result<std::unique_ptr<UserStore>> UserStore::Open(db::Database& db, const Clock& clock) {
  std::unique_ptr<UserStore> store(new UserStore(db, clock));
  if (auto status = store->Reload(); !status) return std::move(status).error();
  return store;
}

std::optional<UserState> UserStore::Lookup(std::string_view username) const {
  std::shared_lock lock(mutex_);
  const auto it = users_.find(username);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

Result<std::optional<User>> UserStore::Find(std::string_view username) const {
  return db_.Read([&](db::Connection& connection) { return FindWith(connection, username); });
}

Result<std::vector<User>> UserStore::List() const {
  return db_.Read([&](db::Connection& connection) -> Result<std::vector<User>> {
    auto select = connection.Cached(std::string(kSelectColumns) + " ORDER BY username");
    if (!select) return std::move(select).error();
    std::vector<User> users;
    while (true) {
      auto row = (*select)->Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      users.push_back(ReadUser(**select));
    }
    (*select)->Reset();
    return users;
  });
}

Result<User> UserStore::Create(const UserChange& change) {
  auto version = NewVersion();
  if (!version) return std::move(version).error();
  User user;
  user.username = change.username;
  user.name = change.name;
  user.password_hash = change.password_hash;
  user.can_edit = change.can_edit;
  user.version = std::move(*version);
  user.created_at = std::chrono::time_point_cast<std::chrono::seconds>(clock_.Now());
  return db_.Write([&](db::Connection& connection) -> Result<User> {
    auto status = Insert(connection, user);
    if (!status && status.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kAlreadyExists, "user already exists");
    }
    if (!status) return std::move(status).error();
    Remember(user);
    return user;
  });
}

Result<User> UserStore::Upsert(const UserChange& change) {
  auto version = NewVersion();
  if (!version) return std::move(version).error();
  return db_.Write([&](db::Connection& connection) -> Result<User> {
    db::Transaction transaction(connection);
    if (auto status = transaction.Begin(); !status) return std::move(status).error();
    auto existing = FindWith(connection, change.username);
    if (!existing) return std::move(existing).error();
    User user;
    if (*existing) {
      user = std::move(**existing);
      const bool changed = change.password_hash || user.can_edit != change.can_edit;
      if (change.password_hash) user.password_hash = change.password_hash;
      user.can_edit = change.can_edit;
      if (changed) user.version = *version;
      if (auto status = UpdateCredentials(connection, user); !status) return status.error();
    } else {
      user.username = change.username;
      user.name = change.name;
      user.password_hash = change.password_hash;
      user.can_edit = change.can_edit;
      user.version = *version;
      user.created_at = std::chrono::time_point_cast<std::chrono::seconds>(clock_.Now());
      if (auto status = Insert(connection, user); !status) return status.error();
    }
    if (auto status = transaction.Commit(); !status) return std::move(status).error();
    Remember(user);
    return user;
  });
}

Result<User> UserStore::SetPermission(std::string_view username, bool can_edit) {
  auto version = NewVersion();
  if (!version) return std::move(version).error();
  return db_.Write([&](db::Connection& connection) -> Result<User> {
    auto existing = FindWith(connection, username);
    if (!existing) return std::move(existing).error();
    if (!*existing) return NoSuchUser();
    User user = std::move(**existing);
    if (user.can_edit == can_edit) return user;
    user.can_edit = can_edit;
    user.version = *version;
    if (auto status = UpdateCredentials(connection, user); !status) return status.error();
    Remember(user);
    return user;
  });
}

Result<User> UserStore::SetPassword(std::string_view username, std::string password_hash) {
  auto version = NewVersion();
  if (!version) return std::move(version).error();
  return db_.Write([&](db::Connection& connection) -> Result<User> {
    auto existing = FindWith(connection, username);
    if (!existing) return std::move(existing).error();
    if (!*existing) return NoSuchUser();
    User user = std::move(**existing);
    user.password_hash = std::move(password_hash);
    user.version = *version;
    if (auto status = UpdateCredentials(connection, user); !status) return status.error();
    Remember(user);
    return user;
  });
}

Status UserStore::RevokeTokens(std::string_view username) {
  auto version = NewVersion();
  if (!version) return std::move(version).error();
  return db_.Write([&](db::Connection& connection) -> Status {
    auto existing = FindWith(connection, username);
    if (!existing) return std::move(existing).error();
    if (!*existing) return NoSuchUser();
    User user = std::move(**existing);
    user.version = *version;
    if (auto status = UpdateCredentials(connection, user); !status) return status;
    Remember(user);
    return Ok();
  });
}

Status UserStore::Delete(std::string_view username) {
  return db_.Write([&](db::Connection& connection) -> Status {
    auto remove = connection.Cached("DELETE FROM users WHERE username = ?");
    if (!remove) return std::move(remove).error();
    if (auto status = (*remove)->Bind(1, username).Run(); !status) return status;
    if (connection.Changes() == 0) return NoSuchUser();
    auto forget = connection.Cached("DELETE FROM sign_in_addresses WHERE username = ?");
    if (!forget) return std::move(forget).error();
    if (auto status = (*forget)->Bind(1, username).Run(); !status) return status;
    std::unique_lock lock(mutex_);
    if (const auto it = users_.find(username); it != users_.end()) users_.erase(it);
    return Ok();
  });
}

Status UserStore::RecordLogin(std::string_view username, std::string_view address_key,
                              std::size_t keep) {
  return db_.Write([&](db::Connection& connection) -> Status {
    const auto now = Seconds(clock_.Now());
    auto update = connection.Cached("UPDATE users SET last_login = ? WHERE username = ?");
    if (!update) return std::move(update).error();
    if (auto status = (*update)->Bind(1, now).Bind(2, username).Run(); !status) return status;
    if (connection.Changes() == 0) return Ok();  // deleted meanwhile: nothing to note
    auto note = connection.Cached(
        "INSERT INTO sign_in_addresses (username, address, last_at) VALUES (?, ?, ?) "
        "ON CONFLICT (username, address) DO UPDATE SET last_at = excluded.last_at");
    if (!note) return std::move(note).error();
    if (auto status = (*note)->Bind(1, username).Bind(2, address_key).Bind(3, now).Run(); !status) {
      return status;
    }
    auto prune = connection.Cached(
        "DELETE FROM sign_in_addresses WHERE username = ?1 AND address NOT IN (SELECT address "
        "FROM sign_in_addresses WHERE username = ?1 ORDER BY last_at DESC, address LIMIT ?2)");
    if (!prune) return std::move(prune).error();
    return (*prune)->Bind(1, username).Bind(2, static_cast<std::int64_t>(keep)).Run();
  });
}

Result<std::vector<std::pair<std::string, std::string>>> UserStore::SignInAddresses() const {
  return db_.Read(
      [&](db::Connection& connection) -> Result<std::vector<std::pair<std::string, std::string>>> {
        auto select = connection.Prepare(
            "SELECT username, address FROM sign_in_addresses ORDER BY last_at, address");
        if (!select) return std::move(select).error();
        std::vector<std::pair<std::string, std::string>> addresses;
        while (true) {
          auto row = select->Step();
          if (!row) return std::move(row).error();
          if (!*row) break;
          addresses.emplace_back(select->ColumnText(0), select->ColumnText(1));
        }
        return addresses;
      });
}

Status UserStore::Reload() {
  return db_.Write([&](db::Connection& connection) { return LoadLocked(connection); });
}

Status UserStore::LoadLocked(db::Connection& connection) {
  auto select = connection.Prepare("SELECT username, name, can_edit, version FROM users");
  if (!select) return std::move(select).error();
  std::unordered_map<std::string, UserState, Hash, std::equal_to<>> users;
  while (true) {
    auto row = select->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    users.emplace(std::string(select->ColumnText(0)),
                  UserState{std::string(select->ColumnText(1)), select->ColumnInt(2) != 0,
                            std::string(select->ColumnText(3))});
  }
  std::unique_lock lock(mutex_);
  users_ = std::move(users);
  return Ok();
}

void UserStore::Remember(const User& user) {
  std::unique_lock lock(mutex_);
  users_.insert_or_assign(user.username, UserState{user.name, user.can_edit, user.version});
}

}  // namespace tessera::auth
