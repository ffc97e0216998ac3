#include "archive/sql_functions.h"

#include <string>
#include <string_view>

#include "archive/time_values.h"
#include "base/strings.h"

namespace tessera::archive {

template <std::string (*Transform)(std::string_view)>
static void TextFunction(sqlite3_context* context, int, sqlite3_value** args) {
  const auto* text = sqlite3_value_text(args[0]);
  if (text == nullptr) {
    sqlite3_result_null(context);
    return;
  }
  const std::string_view input(reinterpret_cast<const char*>(text),
                               static_cast<std::size_t>(sqlite3_value_bytes(args[0])));
  const std::string output = Transform(input);
  sqlite3_result_text64(context, output.data(), output.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

Status SqlFunctions::Ensure(db::Connection& connection) {
  sqlite3* db = connection.raw();
  std::lock_guard lock(mutex_);
  if (registered_.contains(db)) return Ok();
  struct Function {
    const char* name;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  const Function functions[] = {
      {"tessera_fold", &TextFunction<FoldCaseUtf8>},
      {"tessera_norm_time", &TextFunction<StoredTime>},
      {"tessera_norm_datetime", &TextFunction<StoredDateTime>},
  };
  for (const auto& f : functions) {
    const int rc = sqlite3_create_function_v2(db, f.name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                              nullptr, f.fn, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return db::SqliteError(db, rc, "register SQL function");
  }
  registered_.insert(db);
  return Ok();
}

}  // namespace tessera::archive
