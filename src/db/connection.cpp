#include "db/connection.h"

#include <string>

namespace tessera::db {

Result<std::unique_ptr<Connection>> Connection::Open(const std::filesystem::path& file,
                                                     const ConnectionOptions& options) {
  sqlite3* raw = nullptr;
  const int flags = (options.read_only ? SQLITE_OPEN_READONLY
                                       : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  std::unique_ptr<Connection> connection(new Connection(raw));
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "open " + file.string());

  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));
  sqlite3_extended_result_codes(raw, 1);
  std::string pragmas =
      "PRAGMA foreign_keys = ON;"
      "PRAGMA temp_store = MEMORY;";
  // The writer's cache is large because an index write touches many pages.
  // Readers keep less: there are several, each cache is private, and the
  // operating system's page cache holds the file for all of them.
  pragmas += options.read_only ? "PRAGMA cache_size = -16384;"   // 16 MiB
                               : "PRAGMA cache_size = -65536;";  // 64 MiB
  if (!options.read_only) {
    pragmas += "PRAGMA journal_mode = WAL;";
    pragmas += options.synchronous_full ? "PRAGMA synchronous = FULL;"
                                        : "PRAGMA synchronous = NORMAL;";
  }
  if (auto status = connection->Exec(pragmas); !status) return std::move(status).error();
  return connection;
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the connection closes
  sqlite3_close_v2(db_);
}

Status Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "exec");
  return Ok();
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db_, rc, "prepare");
  }
  return Statement(db_, stmt);
}

Result<Statement*> Connection::Cached(const std::string& sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  auto prepared = Prepare(sql);
  if (!prepared) return std::move(prepared).error();
  auto owned = std::make_unique<Statement>(std::move(*prepared));
  Statement* statement = owned.get();
  cache_.emplace(sql, std::move(owned));
  return statement;
}

Status Connection::ExecCached(const std::string& sql) {
  auto statement = Cached(sql);
  if (!statement) return std::move(statement).error();
  return (*statement)->Run();
}

std::int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Connection::Changes() const { return sqlite3_changes(db_); }

Transaction::~Transaction() {
  if (open_) (void)connection_.ExecCached("ROLLBACK");
}

Status Transaction::Begin() {
  if (auto status = connection_.ExecCached("BEGIN IMMEDIATE"); !status) return status;
  open_ = true;
  return Ok();
}

Status Transaction::Commit() {
  if (auto status = connection_.ExecCached("COMMIT"); !status) return status;
  open_ = false;
  return Ok();
}

static Result<int> UserVersion(Connection& connection) {
  auto statement = connection.Prepare("PRAGMA user_version");
  if (!statement) return std::move(statement).error();
  auto row = statement->Step();
  if (!row) return std::move(row).error();
  return static_cast<int>(statement->ColumnInt(0));
}

Status Migrate(Connection& connection, std::span<const Migration> migrations) {
  auto current = UserVersion(connection);
  if (!current) return std::move(current).error();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (*current > latest) {
    return Fail(ErrorCode::kCorrupt,
                "database schema version " + std::to_string(*current) +
                    " is newer than this program knows (" + std::to_string(latest) +
                    "): a newer version of Tessera has upgraded it; run that version");
  }
  for (const auto& migration : migrations) {
    if (migration.version <= *current) continue;
    Transaction transaction(connection);
    if (auto status = transaction.Begin(); !status) return status;
    if (auto status = connection.Exec(migration.sql); !status) return status;
    const auto pragma = "PRAGMA user_version = " + std::to_string(migration.version);
    if (auto status = connection.Exec(pragma); !status) return status;
    if (auto status = transaction.Commit(); !status) return status;
  }
  return Ok();
}

}  // namespace tessera::db
