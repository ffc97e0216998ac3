#include "archive/query_runner.h"

#include <limits>
#include <string_view>

#include "archive/sql_helpers.h"
#include "base/json_text.h"
#include "base/strings.h"

namespace tessera::archive {

namespace {

constexpr Tag kStudyUidTag = 0x0020000D;
constexpr Tag kSeriesUidTag = 0x0020000E;
constexpr Tag kSopInstanceUidTag = 0x00080018;

// Answers are written as text, never as a document tree: for a few thousand
// matches the tree's allocations and frees cost more than the query itself.

// The '\'-separated values of `text` (all of it when !split) as a JSON array of strings.
void AppendStrings(std::string& out, std::string_view text, bool split) {
  out += '[';
  while (split) {
    const auto separator = text.find('\\');
    if (separator == std::string_view::npos) break;
    AppendJsonString(out, text.substr(0, separator));
    out += ',';
    text.remove_prefix(separator + 1);
  }
  AppendJsonString(out, text);
  out += ']';
}

// {"Value":<value>,"vr":<vr>}, the key order nlohmann::json writes.
void AppendWithValue(std::string& out, const std::string& vr, std::string_view value) {
  out += "{\"Value\":";
  out += value;
  out += ",\"vr\":";
  AppendJsonString(out, vr);
  out += '}';
}

void AppendWithoutValue(std::string& out, const std::string& vr) {
  out += "{\"vr\":";
  AppendJsonString(out, vr);
  out += '}';
}

bool Encloses(std::string_view text, char open, char close) {
  return text.size() >= 2 && text.front() == open && text.back() == close;
}

// The DICOM JSON element of `field` in the current row. Stored JSON (an
// element from the metadata, a person name's groups) was written by this
// archive at ingest and goes out as it is.
void AppendElement(std::string& out, const db::Statement& row, const ResultField& field,
                   std::string& scratch) {
  const int c = field.column;
  if (field.attribute == nullptr) {
    const std::string_view stored = row.IsNull(c) ? std::string_view() : row.ColumnText(c);
    if (Encloses(stored, '{', '}')) {
      out += stored;
    } else {
      AppendWithoutValue(out, field.vr);
    }
    return;
  }
  scratch.clear();
  switch (field.attribute->kind) {
    case ColumnKind::kPersonName: {
      const std::string_view groups =
          row.IsNull(c + 1) ? std::string_view() : row.ColumnText(c + 1);
      if (Encloses(groups, '[', ']')) return AppendWithValue(out, field.vr, groups);
      if (row.IsNull(c)) return AppendWithoutValue(out, field.vr);
      scratch += "[{\"Alphabetic\":";
      AppendJsonString(scratch, row.ColumnText(c));
      scratch += "}]";
      return AppendWithValue(out, field.vr, scratch);
    }
    case ColumnKind::kInteger:
    case ColumnKind::kCount:
      if (row.IsNull(c)) return AppendWithoutValue(out, field.vr);
      scratch += '[';
      scratch += std::to_string(row.ColumnInt(c));
      scratch += ']';
      return AppendWithValue(out, field.vr, scratch);
    case ColumnKind::kDate:
    case ColumnKind::kTime:
      if (row.IsNull(c)) return AppendWithoutValue(out, field.vr);
      AppendStrings(scratch, row.ColumnText(c), false);
      return AppendWithValue(out, field.vr, scratch);
    case ColumnKind::kText:
    case ColumnKind::kUid:
    case ColumnKind::kList:
    case ColumnKind::kConstant:
      if (row.IsNull(c)) return AppendWithoutValue(out, field.vr);
      AppendStrings(scratch, row.ColumnText(c), true);
      return AppendWithValue(out, field.vr, scratch);
  }
  AppendWithoutValue(out, field.vr);
}

// The UID a field holds in the current row, when it is one that places a match.
std::string* PlacingUid(MatchText& match, const ResultField& field) {
  if (field.attribute == nullptr) return nullptr;
  switch (field.tag) {
    case kStudyUidTag: return &match.study_uid;
    case kSeriesUidTag: return &match.series_uid;
    case kSopInstanceUidTag: return &match.sop_instance_uid;
    default: return nullptr;
  }
}

}  // namespace

Result<QueryResult> QueryRunner::Find(const Query& query) const {
  auto text = FindText(query);
  if (!text) return std::move(text).error();
  QueryResult result;
  result.total = text->total;
  result.truncated = text->truncated;
  result.matches.reserve(text->matches.size());
  for (const MatchText& match : text->matches) {
    auto object = nlohmann::json::parse(match.json, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object()) {
      // Not the text itself: it holds patient data, and errors reach clients.
      return Fail(ErrorCode::kCorrupt,
                  "a stored study, series or instance has damaged "
                  "attributes in the index (not a JSON object)");
    }
    result.matches.push_back(std::move(object));
  }
  return result;
}

Result<QueryTextResult> QueryRunner::FindText(const Query& query) const {
  const std::size_t max = options_.max_results;
  const bool no_maximum = max == 0 || max == std::numeric_limits<std::size_t>::max();
  if (no_maximum || (query.limit && *query.limit <= max)) return Run(query);
  // One match past the maximum tells a cut answer from one that just fits.
  Query capped = query;
  capped.limit = max + 1;
  auto result = Run(capped);
  if (!result || result->matches.size() <= max) return result;
  result->matches.erase(result->matches.begin() + static_cast<std::ptrdiff_t>(max),
                        result->matches.end());
  result->truncated = true;
  return result;
}

Result<QueryTextResult> QueryRunner::Run(const Query& query) const {
  auto sql = BuildQuerySql(query, options_);
  if (!sql) return std::move(sql).error();
  return db_.Read([&](db::Connection& connection) -> Result<QueryTextResult> {
    if (auto status = functions_.Ensure(connection); !status) return std::move(status).error();
    // Matches and total must come from the same snapshot.
    if (query.count_total) {
      if (auto status = connection.ExecCached("BEGIN"); !status) return std::move(status).error();
    }
    struct EndRead {
      db::Connection& connection;
      bool open;
      ~EndRead() {
        if (open) (void)connection.ExecCached("COMMIT");
      }
    } end_read{connection, query.count_total};

    QueryTextResult result;
    const std::string* text = &sql->sql;
    if (!sql->probe_sql.empty()) {
      auto probe = connection.Cached(sql->probe_sql);
      if (!probe) return std::move(probe).error();
      db::Statement& p = **probe;
      StatementReset probe_reset(p);
      for (std::size_t i = 0; i < sql->probe_binds.size(); ++i) {
        BindValue(p, static_cast<int>(i + 1), sql->probe_binds[i]);
      }
      auto row = p.Step();
      if (!row) return std::move(row).error();
      if (*row && p.ColumnInt(0) >= kProbeCap) text = &sql->ordered_sql;
    }
    auto statement = connection.Cached(*text);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    for (std::size_t i = 0; i < sql->binds.size(); ++i) {
      BindValue(s, static_cast<int>(i + 1), sql->binds[i]);
    }
    if (query.limit) result.matches.reserve(std::min<std::size_t>(*query.limit, 1000));
    std::string scratch;
    while (true) {
      auto row = s.Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      MatchText& match = result.matches.emplace_back();
      match.json.reserve(64 * sql->fields.size());
      match.json += '{';
      // Fields come sorted by key, as in the document tree's output.
      for (const auto& field : sql->fields) {
        if (match.json.size() > 1) match.json += ',';
        AppendJsonString(match.json, field.key);
        match.json += ':';
        AppendElement(match.json, s, field, scratch);
        if (std::string* uid = PlacingUid(match, field); uid && !s.IsNull(field.column)) {
          *uid = s.ColumnText(field.column);
        }
      }
      match.json += '}';
    }
    if (!query.count_total) return result;

    auto count = connection.Cached(sql->count_sql);
    if (!count) return std::move(count).error();
    db::Statement& c = **count;
    StatementReset count_reset(c);
    // The count may not use every WHERE parameter (SqlQuery); binding past its last fails.
    const auto counted = std::min(sql->where_binds, static_cast<std::size_t>(c.ParameterCount()));
    for (std::size_t i = 0; i < counted; ++i) {
      BindValue(c, static_cast<int>(i + 1), sql->binds[i]);
    }
    auto row = c.Step();
    if (!row) return std::move(row).error();
    result.total = *row ? static_cast<std::uint64_t>(c.ColumnInt(0)) : 0;
    return result;
  });
}

}  // namespace tessera::archive
