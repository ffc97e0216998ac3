#include "archive/scope_reader.h"

#include <string>

#include "archive/sql_helpers.h"

namespace tessera::archive {

static constexpr std::string_view kScopeOrder =
    " ORDER BY se.series_number IS NULL, se.series_number, se.id, i.instance_number IS NULL, "
    "i.instance_number, i.sop_instance_uid";

static Status CheckScope(const Scope& scope) {
  if (scope.study_uid.empty()) return Fail(ErrorCode::kInvalidArgument, "no study in scope");
  if (scope.series_uid.empty() && !scope.sop_instance_uid.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "an instance scope needs its series");
  }
  return Ok();
}

// "WHERE ..." for the scope; parameters ?1 study, ?2 series, ?3 instance.
static std::string ScopeWhere(const Scope& scope) {
  std::string where = " WHERE st.study_uid = ?1";
  if (!scope.series_uid.empty()) where += " AND se.series_uid = ?2";
  if (!scope.sop_instance_uid.empty()) where += " AND i.sop_instance_uid = ?3";
  return where;
}

static void BindScope(db::Statement& s, const Scope& scope) {
  s.Bind(1, scope.study_uid);
  if (!scope.series_uid.empty()) s.Bind(2, scope.series_uid);
  if (!scope.sop_instance_uid.empty()) s.Bind(3, scope.sop_instance_uid);
}

static Error NotStored(const Scope& scope) {
  const std::string& uid = !scope.sop_instance_uid.empty() ? scope.sop_instance_uid
                           : !scope.series_uid.empty()     ? scope.series_uid
                                                           : scope.study_uid;
  return Fail(ErrorCode::kNotFound, uid + " is not stored");
}

Result<std::vector<InstanceRef>> ScopeReader::Instances(const Scope& scope) const {
  if (auto status = CheckScope(scope); !status) return std::move(status).error();
  const std::string sql =
      "SELECT st.study_uid, se.series_uid, i.sop_instance_uid, i.sop_class_uid, "
      "i.transfer_syntax_uid, i.id, i.size, i.number_of_frames FROM studies st "
      "JOIN series se ON se.study_pk = st.id JOIN instances i ON i.series_pk = se.id" +
      ScopeWhere(scope) + std::string(kScopeOrder);
  return db_.Read([&](db::Connection& connection) -> Result<std::vector<InstanceRef>> {
    auto statement = connection.Cached(sql);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindScope(s, scope);
    std::vector<InstanceRef> refs;
    while (true) {
      auto row = s.Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      InstanceRef ref;
      ref.study_uid = s.ColumnText(0);
      ref.series_uid = s.ColumnText(1);
      ref.sop_instance_uid = s.ColumnText(2);
      ref.sop_class_uid = s.ColumnText(3);
      ref.transfer_syntax_uid = s.ColumnText(4);
      ref.path = blobs_.BlobPath(s.ColumnInt(5));
      ref.size = static_cast<std::uint64_t>(s.ColumnInt(6));
      ref.number_of_frames = static_cast<std::uint32_t>(s.ColumnInt(7));
      refs.push_back(std::move(ref));
    }
    if (refs.empty()) return NotStored(scope);
    return refs;
  });
}

Result<MetadataDocument> ScopeReader::Metadata(const Scope& scope) const {
  if (auto status = CheckScope(scope); !status) return std::move(status).error();
  const std::string sql =
      "SELECT st.id, st.revision, m.json FROM studies st JOIN series se ON se.study_pk = st.id "
      "JOIN instances i ON i.series_pk = se.id JOIN instance_metadata m ON m.instance_pk = i.id" +
      ScopeWhere(scope) + std::string(kScopeOrder);
  return db_.Read([&](db::Connection& connection) -> Result<MetadataDocument> {
    auto statement = connection.Cached(sql);
    if (!statement) return std::move(statement).error();
    db::Statement& s = **statement;
    StatementReset reset(s);
    BindScope(s, scope);
    MetadataDocument document;
    document.json = "[";
    while (true) {
      auto row = s.Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      if (document.etag.empty()) {
        document.etag = '"';
        document.etag += std::to_string(s.ColumnInt(0));
        document.etag += '-';
        document.etag += std::to_string(s.ColumnInt(1));
        document.etag += '"';
      } else {
        document.json += ',';
      }
      document.json += s.ColumnText(2);
    }
    if (document.etag.empty()) return NotStored(scope);
    document.json += ']';
    return document;
  });
}

}  // namespace tessera::archive
