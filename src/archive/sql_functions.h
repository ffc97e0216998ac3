#pragma once

#include <mutex>
#include <unordered_set>

#include <sqlite3.h>

#include "base/result.h"
#include "db/connection.h"

namespace tessera::archive {

// SQL functions the queries use on values read from stored metadata JSON:
//   tessera_fold(text)           FoldCaseUtf8, for case-insensitive names
//   tessera_norm_time(text)      StoredTime
//   tessera_norm_datetime(text)  StoredDateTime
// Registers them once per connection, on first use. Thread-safe.
class SqlFunctions {
 public:
  SqlFunctions() = default;
  SqlFunctions(const SqlFunctions&) = delete;
  SqlFunctions& operator=(const SqlFunctions&) = delete;

  // Errors: kInternal when SQLite refuses the registration.
  Status Ensure(db::Connection& connection);

 private:
  std::mutex mutex_;
  std::unordered_set<sqlite3*> registered_;
};

}  // namespace tessera::archive
