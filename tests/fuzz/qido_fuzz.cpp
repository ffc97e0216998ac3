// Feeds QIDO-RS query strings through QueryParams::Parse (http/query_params.h),
// ParseQidoRequest (dicomweb/qido_request.h) at a level chosen by the first
// byte, and BuildQuerySql (archive/query_sql.h), then prepares the SQL it writes
// on an in-memory index (the real schema and SQL functions) and runs it. Checks:
// every statement Tessera builds from a valid request is valid SQL whose
// parameters are all bound, and runs without error.

#include <cstddef>
#include <cstdint>
#include <string>

#include "dicom/attribute_dictionary.h"
#include "dicomweb/qido_request.h"
#include "fuzz/fuzz_support.h"
#include "fuzz/query_sql_check.h"
#include "http/query_params.h"

namespace archive = tessera::archive;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = tessera::fuzz::QuietLogs();
  (void)quiet;
  static const bool dictionary = static_cast<bool>(tessera::dicom::EnsureDataDictionary());
  FUZZ_CHECK(dictionary);
  tessera::fuzz::Bytes input(tessera::fuzz::AsText(data, size));
  const std::uint8_t selector = input.Byte();
  const auto level = static_cast<archive::QueryLevel>(selector % 4);
  // Scope from the URL path, as /studies/{study}/series/... would give it.
  const std::string study_uid = (selector & 0x10) != 0 ? "1.2.3" : "";
  const std::string series_uid = (selector & 0x20) != 0 ? "1.2.3.4" : "";

  auto params = tessera::http::QueryParams::Parse(input.Rest());
  if (!params) return 0;
  for (const auto& [name, value] : params->items()) {
    FUZZ_CHECK(params->Get(name).has_value());
    (void)value;
  }
  auto request = tessera::dicomweb::ParseQidoRequest(level, study_uid, series_uid, *params);
  if (!request) return 0;
  FUZZ_CHECK(request->query.level == level);

  archive::QueryOptions options;
  options.case_insensitive_names = (selector & 0x40) == 0;
  options.max_results = (selector & 0x80) != 0 ? 100 : 0;
  tessera::fuzz::CheckQuerySql(request->query, options);
  return 0;
}
