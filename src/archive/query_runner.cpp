#include "archive/query_runner.h"

#include <string_view>

#include "archive/sql_helpers.h"
#include "base/strings.h"

namespace tessera::archive {

using nlohmann::json;

// Result building is the hot loop of a large query: elements are assembled in
// place, keys inserted in sorted order (at the end of the map), and initializer
// lists (which copy) avoided.

// The '\'-separated values of `text` (all of it when !split) as JSON strings.
static json Strings(std::string_view text, bool split) {
  json values(json::value_t::array);
  auto& array = values.get_ref<json::array_t&>();
  while (split) {
    const auto separator = text.find('\\');
    if (separator == std::string_view::npos) break;
    array.emplace_back(std::string(text.substr(0, separator)));
    text.remove_prefix(separator + 1);
  }
  array.emplace_back(std::string(text));
  return values;
}

// {"Value": value, "vr": vr}; "Value" sorts before "vr".
static json WithValue(const std::string& vr, json value) {
  json element(json::value_t::object);
  auto& object = element.get_ref<json::object_t&>();
  object.emplace_hint(object.end(), "Value", std::move(value));
  object.emplace_hint(object.end(), "vr", vr);
  return element;
}

static json WithoutValue(const std::string& vr) {
  json element(json::value_t::object);
  element.get_ref<json::object_t&>().emplace("vr", vr);
  return element;
}

// The DICOM JSON element of `field` in the current row.
static json Element(const db::Statement& row, const ResultField& field) {
  const int c = field.column;
  if (field.attribute == nullptr) {
    // The element's own JSON, as stored.
    if (!row.IsNull(c)) {
      json element = json::parse(row.ColumnText(c), nullptr, false);
      if (element.is_object()) return element;
    }
    return WithoutValue(field.vr);
  }
  switch (field.attribute->kind) {
    case ColumnKind::kPersonName: {
      if (!row.IsNull(c + 1)) {
        json value = json::parse(row.ColumnText(c + 1), nullptr, false);
        if (value.is_array()) return WithValue(field.vr, std::move(value));
      }
      if (row.IsNull(c)) return WithoutValue(field.vr);
      json name(json::value_t::object);
      name.get_ref<json::object_t&>().emplace("Alphabetic", std::string(row.ColumnText(c)));
      json values(json::value_t::array);
      values.get_ref<json::array_t&>().push_back(std::move(name));
      return WithValue(field.vr, std::move(values));
    }
    case ColumnKind::kInteger:
    case ColumnKind::kCount: {
      if (row.IsNull(c)) return WithoutValue(field.vr);
      json values(json::value_t::array);
      values.get_ref<json::array_t&>().emplace_back(row.ColumnInt(c));
      return WithValue(field.vr, std::move(values));
    }
    case ColumnKind::kDate:
    case ColumnKind::kTime:
      if (row.IsNull(c)) return WithoutValue(field.vr);
      return WithValue(field.vr, Strings(row.ColumnText(c), false));
    case ColumnKind::kText:
    case ColumnKind::kUid:
    case ColumnKind::kList:
      if (row.IsNull(c)) return WithoutValue(field.vr);
      return WithValue(field.vr, Strings(row.ColumnText(c), true));
  }
  return WithoutValue(field.vr);
}

Result<QueryResult> QueryRunner::Find(const Query& query) const {
  auto sql = BuildQuerySql(query, options_);
  if (!sql) return std::move(sql).error();
  return db_.Read([&](db::Connection& connection) -> Result<QueryResult> {
    if (auto status = functions_.Ensure(connection); !status) return std::move(status).error();
    // Matches and total must come from the same snapshot.
    if (query.count_total) {
      if (auto status = connection.Exec("BEGIN"); !status) return std::move(status).error();
    }
    struct EndRead {
      db::Connection& connection;
      bool open;
      ~EndRead() {
        if (open) (void)connection.Exec("COMMIT");
      }
    } end_read{connection, query.count_total};

    QueryResult result;
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
    while (true) {
      auto row = s.Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      json match(json::value_t::object);
      auto& object = match.get_ref<json::object_t&>();
      // Fields come sorted by key: each goes at the end of the map.
      for (const auto& field : sql->fields) {
        object.emplace_hint(object.end(), field.key, Element(s, field));
      }
      result.matches.push_back(std::move(match));
    }
    if (!query.count_total) return result;

    auto count = connection.Cached(sql->count_sql);
    if (!count) return std::move(count).error();
    db::Statement& c = **count;
    StatementReset count_reset(c);
    for (std::size_t i = 0; i < sql->where_binds; ++i) {
      BindValue(c, static_cast<int>(i + 1), sql->binds[i]);
    }
    auto row = c.Step();
    if (!row) return std::move(row).error();
    result.total = *row ? static_cast<std::uint64_t>(c.ColumnInt(0)) : 0;
    return result;
  });
}

}  // namespace tessera::archive
