#include "db/statement.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace tessera::db {

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: code = ErrorCode::kConflict; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = ErrorCode::kUnavailable; break;
    case SQLITE_FULL: code = ErrorCode::kStorageFull; break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM: code = ErrorCode::kIo; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: code = ErrorCode::kCorrupt; break;
    case SQLITE_TOOBIG: code = ErrorCode::kTooLarge; break;
    default: break;
  }
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  // "disk I/O error" alone does not say that the disk is full (a WAL's shared
  // memory file cannot grow, say); the system's error does. SQLite keeps the last
  // one until the next, so only an I/O failure's is its own.
  const bool io_failure =
      ((rc & 0xff) == SQLITE_IOERR && rc != SQLITE_IOERR_NOMEM) || (rc & 0xff) == SQLITE_CANTOPEN;
  const int system_error = db != nullptr && io_failure ? sqlite3_system_errno(db) : 0;
  if (system_error != 0) {
    message += " (";
    message += std::strerror(system_error);
    message += ')';
    if (system_error == ENOSPC || system_error == EDQUOT) code = ErrorCode::kStorageFull;
  }
  return Error{code, std::move(message)};
}

Statement& Statement::Bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) return SqliteError(db_, bind_error_, "bind");
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "step");
}

Status Statement::Run() {
  auto stepped = Step();
  Reset();
  if (!stepped) return std::move(stepped).error();
  return Ok();
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_error_ = SQLITE_OK;
}

int Statement::ParameterCount() const { return sqlite3_bind_parameter_count(stmt_.get()); }

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t Statement::ColumnInt(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string_view Statement::ColumnText(int column) const {
  const auto* text = sqlite3_column_text(stmt_.get(), column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column))};
}

}  // namespace tessera::db
