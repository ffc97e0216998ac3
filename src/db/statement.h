#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera::db {

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// A prepared SQLite statement. Bind parameters (1-based, as SQLite counts), then
// Step until it returns false. Column indexes are 0-based. Not thread-safe: it
// belongs to the connection that prepared it.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& BindNull(int index);

  // Advances to the next row. Returns true when a row is available, false when
  // done. Errors: kConflict for a constraint violation, kUnavailable when the
  // database stayed busy past the timeout, kIo/kCorrupt/kInternal otherwise.
  Result<bool> Step();
  // Steps a statement that returns no rows (INSERT/UPDATE/DELETE), then resets it.
  Status Run();
  // Resets for reuse and clears bindings.
  void Reset();

  // The highest parameter number the statement uses.
  int ParameterCount() const;
  bool IsNull(int column) const;
  std::int64_t ColumnInt(int column) const;
  // Valid until the next Step/Reset.
  std::string_view ColumnText(int column) const;

  sqlite3_stmt* get() const { return stmt_.get(); }

 private:
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt_;
  // The first bind error, reported by the next Step (binds chain without checks).
  int bind_error_ = SQLITE_OK;
};

// Maps an SQLite result code to an Error with the connection's message.
Error SqliteError(sqlite3* db, int rc, std::string_view context);

}  // namespace tessera::db
