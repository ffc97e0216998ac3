#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "db/statement.h"

namespace tessera::db {

struct ConnectionOptions {
  bool read_only = false;
  std::chrono::milliseconds busy_timeout{10000};
  // FULL: every committed transaction is on disk before Commit returns (the
  // archive acknowledges instances only after that).
  bool synchronous_full = true;
};

// One SQLite connection in WAL mode with a cache of prepared statements.
// Not thread-safe: use from one thread at a time (Database hands them out).
class Connection {
 public:
  // Opens (creating unless read-only) the database file. Errors: kIo, kCorrupt.
  static Result<std::unique_ptr<Connection>> Open(const std::filesystem::path& file,
                                                  const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  // Runs one statement that returns no rows, prepared once and cached: for the
  // ones run at every write (BEGIN, COMMIT, SAVEPOINT), which Exec would parse
  // each time.
  Status ExecCached(const std::string& sql);
  // Prepares a fresh statement owned by the caller.
  Result<Statement> Prepare(std::string_view sql);
  // A statement prepared once per connection and reused: reset and unbound on
  // return. The reference is valid for the connection's lifetime; do not use two
  // Cached() statements with the same SQL at once.
  Result<Statement*> Cached(const std::string& sql);

  std::int64_t LastInsertRowId() const;
  int Changes() const;
  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// BEGIN IMMEDIATE in Begin(); ROLLBACK on destruction when begun and not committed.
class Transaction {
 public:
  // Errors from BEGIN are reported by Begin(); call it before anything else.
  explicit Transaction(Connection& connection) : connection_(connection) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin();
  Status Commit();

 private:
  Connection& connection_;
  bool open_ = false;
};

// One schema step. Versions start at 1 and increase by one.
struct Migration {
  int version;
  std::string_view sql;
};

// Brings the schema to the last migration's version, each step in its own
// transaction, recording the version in PRAGMA user_version. Errors: kCorrupt
// when the database is newer than the migrations known to this binary.
Status Migrate(Connection& connection, std::span<const Migration> migrations);

}  // namespace tessera::db
