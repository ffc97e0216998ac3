#pragma once

#include "archive/query.h"
#include "archive/query_sql.h"
#include "archive/sql_functions.h"
#include "base/result.h"
#include "db/database.h"

namespace tessera::archive {

// Runs queries (Archive::Find) on the reader connections and writes each row
// as the text of a DICOM JSON object; Find parses those texts. Thread-safe.
class QueryRunner {
 public:
  QueryRunner(db::Database& db, SqlFunctions& functions, QueryOptions options)
      : db_(db), functions_(functions), options_(options) {}

  // See Archive::Find and Archive::FindText.
  Result<QueryResult> Find(const Query& query) const;
  Result<QueryTextResult> FindText(const Query& query) const;

 private:
  // FindText without the maximum.
  Result<QueryTextResult> Run(const Query& query) const;

  db::Database& db_;
  SqlFunctions& functions_;
  const QueryOptions options_;
};

}  // namespace tessera::archive
