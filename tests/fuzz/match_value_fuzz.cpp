// Feeds DICOM matching values (archive/match_value.h, shared by QIDO-RS and
// C-FIND) and turns each condition into SQL (archive/match_sql.h). Input: one
// byte picks the attribute (and so its VR), one the list separators and the
// case folding, the rest is the value. Checks: a parsed condition has the shape
// query.h documents for its type; MatchClause's text is a valid SQL condition
// once wrapped in a statement, with exactly as many parameters as it added; a
// wildcard's prefix range is non-empty and ordered (low < high, low a prefix of
// every match).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "archive/instance_record.h"
#include "archive/match_sql.h"
#include "archive/match_value.h"
#include "base/strings.h"
#include "db/connection.h"
#include "fuzz/fuzz_support.h"

namespace {

namespace archive = tessera::archive;

struct Attribute {
  archive::Tag tag;
  std::string_view vr;
};
// One attribute of each VR a query key can have.
constexpr Attribute kAttributes[] = {
    {0x00100010, "PN"}, {0x00080020, "DA"}, {0x00080030, "TM"}, {0x0008002A, "DT"},
    {0x0020000D, "UI"}, {0x00080060, "CS"}, {0x00100020, "LO"}, {0x00080050, "SH"},
    {0x00200011, "IS"}, {0x00101030, "DS"}, {0x00280010, "US"}, {0x00081030, "LO"},
    {0x00180050, "DS"}, {0x00081190, "UR"}, {0x00400254, "LO"}, {0x00720026, "SL"},
    {0x00189219, "FD"}, {0x00181030, "LO"}, {0x00080061, "CS"}, {0x00201206, "IS"},
};

tessera::db::Connection& Sqlite() {
  static const auto connection = [] {
    auto opened = tessera::db::Connection::Open(":memory:", {});
    if (!opened) std::abort();
    return std::move(*opened);
  }();
  return *connection;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tessera::fuzz::Bytes input(tessera::fuzz::AsText(data, size));
  const auto& attribute = kAttributes[input.Byte() % std::size(kAttributes)];
  const std::uint8_t flags = input.Byte();
  const std::string_view separators = (flags & 1) != 0 ? ",\\" : "\\";
  const std::string_view value = input.Rest();

  auto condition = archive::ParseMatchValue(attribute.tag, attribute.vr, value, separators);
  if (!condition) return 0;
  FUZZ_CHECK(condition->tag == attribute.tag);
  switch (condition->type) {
    case archive::MatchType::kRange:
      FUZZ_CHECK(condition->values.size() == 2);
      break;
    case archive::MatchType::kUidList:
      FUZZ_CHECK(!condition->values.empty());
      break;
    case archive::MatchType::kSingleValue:
    case archive::MatchType::kWildcard:
      FUZZ_CHECK(condition->values.size() == 1);
      break;
    case archive::MatchType::kUniversal:
      break;
  }

  const archive::MatchShape shape{attribute.vr, (flags & 2) != 0};
  if (auto range = archive::WildcardPrefixRange(*condition, shape)) {
    FUZZ_CHECK(!range->low.empty() && !range->high.empty());
    FUZZ_CHECK(range->low < range->high);
    // Every text that starts with `low` sorts below `high`.
    FUZZ_CHECK(range->low + std::string(4, '\xff') < range->high);
  }
  archive::SqlParams params;
  auto clause = archive::MatchClause("x", *condition, shape, params);
  if (!clause || clause->empty()) return 0;
  const auto binds = params.Take();
  const std::string sql =
      "SELECT 1 FROM (SELECT 'Doe^John' AS x UNION ALL SELECT 12) WHERE " + *clause;
  auto statement = Sqlite().Prepare(sql);
  if (!statement) {
    std::fprintf(stderr, "SQL refused: %s\n%s\n", statement.error().message.c_str(), sql.c_str());
    FUZZ_CHECK(false && "MatchClause wrote SQL that SQLite refuses");
  }
  FUZZ_CHECK(static_cast<std::size_t>(sqlite3_bind_parameter_count(statement->get())) ==
             binds.size());
  for (std::size_t i = 0; i < binds.size(); ++i) {
    archive::BindValue(*statement, static_cast<int>(i + 1), binds[i]);
  }
  while (true) {
    auto step = statement->Step();
    if (!step) {
      std::fprintf(stderr, "SQL failed: %s\n%s\n", step.error().message.c_str(), sql.c_str());
      FUZZ_CHECK(false && "a condition Tessera built fails to run");
    }
    if (!*step) break;
  }
  (void)archive::GlobPattern(value);
  return 0;
}
