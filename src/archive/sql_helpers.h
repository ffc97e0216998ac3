#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "archive/instance_record.h"
#include "base/result.h"
#include "db/connection.h"

namespace tessera::archive {

// "?<n>", a numbered parameter.
inline std::string Placeholder(std::size_t n) {
  std::string text(1, '?');
  text += std::to_string(n);
  return text;
}

// Binds positional parameters (?1, ?2, ...) of a cached statement in one call.
inline void BindOne(db::Statement& s, int index, std::int64_t value) { s.Bind(index, value); }
inline void BindOne(db::Statement& s, int index, int value) { s.Bind(index, value); }
inline void BindOne(db::Statement& s, int index, std::string_view value) { s.Bind(index, value); }
inline void BindOne(db::Statement& s, int index, const std::string& value) { s.Bind(index, value); }
inline void BindOne(db::Statement& s, int index, const char* value) { s.Bind(index, value); }
inline void BindOne(db::Statement& s, int index, const SqlValue& value) {
  BindValue(s, index, value);
}

template <class... Args>
void BindAll(db::Statement& s, const Args&... args) {
  int index = 1;
  (BindOne(s, index++, args), ...);
}

// Resets a cached statement when leaving scope, so that a reader connection does
// not keep its snapshot (and the WAL) pinned after the rows were read.
class StatementReset {
 public:
  explicit StatementReset(db::Statement& statement) : statement_(statement) {}
  ~StatementReset() { statement_.Reset(); }
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;

 private:
  db::Statement& statement_;
};

// Runs a statement that returns no rows.
template <class... Args>
Status RunSql(db::Connection& connection, const std::string& sql, const Args&... args) {
  auto statement = connection.Cached(sql);
  if (!statement) return std::move(statement).error();
  BindAll(**statement, args...);
  return (*statement)->Run();
}

// Runs a statement and returns the first column of its first row as an integer,
// nullopt when there is no row (or the value is NULL).
template <class... Args>
Result<std::optional<std::int64_t>> QueryInt(db::Connection& connection, const std::string& sql,
                                             const Args&... args) {
  auto statement = connection.Cached(sql);
  if (!statement) return std::move(statement).error();
  db::Statement& s = **statement;
  StatementReset reset(s);
  BindAll(s, args...);
  auto row = s.Step();
  if (!row) return std::move(row).error();
  if (!*row || s.IsNull(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(s.ColumnInt(0));
}

}  // namespace tessera::archive
