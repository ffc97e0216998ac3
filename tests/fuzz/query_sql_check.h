#pragma once

// Runs the SQL that archive::BuildQuerySql writes for a query on an in-memory
// index (the real schema and SQL functions), for the harnesses that build
// queries from untrusted requests (qido_fuzz, query_identifier_fuzz).

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "archive/instance_record.h"
#include "archive/query.h"
#include "archive/query_sql.h"
#include "archive/schema.h"
#include "archive/sql_functions.h"
#include "db/connection.h"
#include "fuzz/fuzz_support.h"

namespace tessera::fuzz {

inline db::Connection& InMemoryIndex() {
  static const auto connection = [] {
    auto opened = db::Connection::Open(":memory:", {});
    if (!opened) std::abort();
    if (!db::Migrate(**opened, archive::IndexMigrations())) std::abort();
    static archive::SqlFunctions functions;
    if (!functions.Ensure(**opened)) std::abort();
    return std::move(*opened);
  }();
  return *connection;
}

// Prepares `sql`, binds the first `bind_count` of `binds` (all it names), and
// steps it a few rows. Checks that SQLite accepts and runs it.
inline void RunQueryStatement(const std::string& sql, const std::vector<archive::SqlValue>& binds,
                              std::size_t bind_count) {
  if (sql.empty()) return;
  auto statement = InMemoryIndex().Prepare(sql);
  if (!statement) {
    std::fprintf(stderr, "SQL refused: %s\n%s\n", statement.error().message.c_str(), sql.c_str());
    FUZZ_CHECK(false && "BuildQuerySql wrote SQL that SQLite refuses");
  }
  const int wanted = sqlite3_bind_parameter_count(statement->get());
  FUZZ_CHECK(static_cast<std::size_t>(wanted) <= bind_count && bind_count <= binds.size());
  for (int i = 1; i <= wanted; ++i) {
    archive::BindValue(*statement, i, binds[static_cast<std::size_t>(i) - 1]);
  }
  for (int rows = 0; rows < 10; ++rows) {
    auto step = statement->Step();
    if (!step) {
      std::fprintf(stderr, "SQL failed: %s\n%s\n", step.error().message.c_str(), sql.c_str());
      FUZZ_CHECK(false && "a query Tessera built fails to run");
    }
    if (!*step) break;
  }
}

// BuildQuerySql for `query`; when it accepts the query, every statement it wrote runs.
inline void CheckQuerySql(const archive::Query& query, const archive::QueryOptions& options) {
  auto sql = archive::BuildQuerySql(query, options);
  if (!sql) return;
  FUZZ_CHECK(sql->where_binds <= sql->binds.size());
  RunQueryStatement(sql->sql, sql->binds, sql->binds.size());
  RunQueryStatement(sql->count_sql, sql->binds, sql->where_binds);
  RunQueryStatement(sql->ordered_sql, sql->binds, sql->binds.size());
  RunQueryStatement(sql->probe_sql, sql->probe_binds, sql->probe_binds.size());
}

}  // namespace tessera::fuzz
