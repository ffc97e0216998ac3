#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "archive/attributes.h"
#include "archive/instance_record.h"
#include "archive/query.h"
#include "base/result.h"

namespace tessera::archive {

// One attribute of each result: where its value is in the row and how to turn
// it into DICOM JSON.
struct ResultField {
  Tag tag = 0;
  std::string key;  // "00100010"
  std::string vr;
  // The indexed attribute, or nullptr for one read from the representative
  // instance's metadata (the column is then the element's JSON text).
  const IndexedAttribute* attribute = nullptr;
  int column = 0;  // first result column; person names use two
};

// A Query translated to SQL. Parameters are numbered: the WHERE clause uses
// ?1..?N (`where_binds`), so that `count_sql` shares them, and the select list,
// ORDER BY and LIMIT/OFFSET use the ones after (`binds` holds them all).
// `count_sql` may leave some of ?1..?N out (a clause that only orders a page),
// so bind no more of them than it has.
struct SqlQuery {
  std::string sql;
  std::string count_sql;
  std::vector<SqlValue> binds;
  std::size_t where_binds = 0;
  std::vector<ResultField> fields;

  // A study list page (LIMIT, default order) filtered by a wildcard prefix: SQLite
  // (without statistics) drives such a query by the prefix's index and sorts all
  // the matches, which is slow when the prefix is common ("smi*" in a million
  // studies). `probe_sql` counts the prefix's rows up to `probe_cap` (its
  // parameters: `probe_binds`); when the cap is reached, `ordered_sql` (same
  // parameters as `sql`, the prefix kept out of any index) runs instead: it reads
  // studies newest first and stops at the page's end. (A patient name prefix of
  // kNameStartCharacters or more needs none of this: see below.)
  std::string probe_sql;
  std::vector<SqlValue> probe_binds;
  std::string ordered_sql;
};

// Where a study list page stops probing and reads in date order (see SqlQuery).
inline constexpr std::int64_t kProbeCap = 5000;

// How many leading characters of the folded patient name studies_by_name_start
// keys on (schema.cpp). A name prefix at least this long finds its studies there
// already in the study list's order, so that a page of "smi*" reads about one
// page of index entries however many studies match; no probe is needed. Three
// characters are what a user types before a search is worth sending.
inline constexpr std::size_t kNameStartCharacters = 3;

struct QueryOptions {
  bool case_insensitive_names = true;
  // The most matches one answer holds; 0: no maximum. See QueryResult::truncated.
  std::size_t max_results = 0;
};

// Validates `query` and builds its SQL. The statement text depends only on the
// shape of the query (levels, attributes, match types, ordering), never on its
// values, so that prepared statements are reused. Errors: kInvalidArgument (an
// attribute below the query level, a sequence, a malformed value, range or list).
Result<SqlQuery> BuildQuerySql(const Query& query, const QueryOptions& options);

}  // namespace tessera::archive
