#include "archive/query_sql.h"

#include <algorithm>
#include <optional>
#include <span>

#include "archive/match_sql.h"
#include "base/strings.h"

namespace tessera::archive {

namespace {

constexpr Tag kStudyDateTag = 0x00080020;
constexpr Tag kStudyDescriptionTag = 0x00081030;
constexpr Tag kSeriesDescriptionTag = 0x0008103E;

Error Invalid(std::string message) { return Fail(ErrorCode::kInvalidArgument, std::move(message)); }

std::string_view LevelName(QueryLevel level) {
  switch (level) {
    case QueryLevel::kPatient:
      return "patient";
    case QueryLevel::kStudy:
      return "study";
    case QueryLevel::kSeries:
      return "series";
    case QueryLevel::kInstance:
      return "instance";
  }
  return "?";
}

class Builder {
 public:
  Builder(const Query& query, const QueryOptions& options) : query_(query), options_(options) {}

  Result<SqlQuery> Build();

 private:
  // Appends a parameter and returns its placeholder.
  std::string Param(SqlValue value) { return params_.Add(std::move(value)); }
  std::string Alias(const IndexedAttribute& a);
  std::string Column(const IndexedAttribute& a, std::string_view suffix = "") {
    if (a.kind == ColumnKind::kConstant) return std::string(a.column);
    return Alias(a) + "." + std::string(a.column) + std::string(suffix);
  }
  std::string RepresentativeInstance() const;
  std::string From(bool patients, bool metadata) const;

  Status AddScope();
  Status AddCondition(const Condition& condition);
  Status MatchIndexed(const IndexedAttribute& a, const Condition& condition);
  Status MatchJson(Tag tag, std::string_view vr, const Condition& condition);
  // Adds the clause for `condition` on `expression` (when it constrains anything).
  Status Match(const std::string& expression, const Condition& condition, MatchShape shape);
  // A person name value with more than its Alphabetic group, or in an
  // ideographic or syllabic script, matched against the other groups too.
  // Returns nullopt when the Alphabetic group alone decides (see MatchIndexed).
  std::optional<Result<std::string>> MatchNameGroups(const IndexedAttribute& a,
                                                     const Condition& condition);
  // Adds the equality on the name's first characters that studies_by_name_start
  // serves, when `condition` is a long enough patient name prefix. Returns whether it did.
  bool MatchNameStart(const std::string& column, const Condition& condition);
  // Remembers the first wildcard prefix on a studies column (see SqlQuery).
  void NotePrefix(const std::string& column, const Condition& condition, MatchShape shape);
  // The order is StudyDate alone, which the default order refines (see Build).
  bool OrdersByStudyDateAlone() const {
    return query_.level == QueryLevel::kStudy && query_.order_by.size() == 1 &&
           query_.order_by.front().tag == kStudyDateTag;
  }
  // The default order, or an explicit one led by StudyDate descending (what
  // the explorer asks for): both read studies_by_date_time backwards.
  bool ListsNewestFirst() const {
    return query_.order_by.empty() ||
           (query_.order_by.front().tag == kStudyDateTag && query_.order_by.front().descending);
  }
  void AddField(Tag tag);
  void AddDefaultFields();
  // Study attributes PS3.18 returns at series and instance level too (tables
  // 10.6.3-4 and -5): Timezone Offset From UTC and Instance Availability.
  void AddStudyContext() {
    AddField(0x00080201);
    AddField(0x00080056);
  }
  // The SELECT list of field_tags_ (sorted), describing each column in `fields`.
  std::string SelectList(std::vector<ResultField>& fields);
  // The ORDER BY list: the requested keys then the level's key, or the default.
  // Errors: kInvalidArgument for a key kept above the query's level.
  Result<std::string> OrderList();

  struct Probe {
    std::string column;
    std::string low;
    std::string high;
    std::size_t clause = 0;  // in where_
  };

  const Query& query_;
  const QueryOptions& options_;
  std::vector<std::string> where_;
  SqlParams params_;
  std::vector<Tag> field_tags_;
  bool where_needs_patients_ = false;
  bool where_needs_metadata_ = false;
  bool needs_patients_ = false;
  bool needs_metadata_ = false;
  std::optional<Probe> probe_;
  // The clause MatchNameStart added: it orders a page, and counting does better without it.
  std::optional<std::size_t> name_start_clause_;
};

std::string Builder::Alias(const IndexedAttribute& a) {
  switch (a.level) {
    case QueryLevel::kPatient:
      if (query_.level == QueryLevel::kPatient) return "p";
      if (a.kind != ColumnKind::kCount) return "st";  // studies repeat patient attributes
      needs_patients_ = true;
      return "p";
    case QueryLevel::kStudy:
      return "st";
    case QueryLevel::kSeries:
      return "se";
    case QueryLevel::kInstance:
      return "i";
  }
  return "?";
}

std::string Builder::RepresentativeInstance() const {
  switch (query_.level) {
    case QueryLevel::kPatient:
      return "p.latest_instance";
    case QueryLevel::kStudy:
      return "st.latest_instance";
    case QueryLevel::kSeries:
      return "se.latest_instance";
    case QueryLevel::kInstance:
      return "i.id";
  }
  return "NULL";
}

std::string Builder::From(bool patients, bool metadata) const {
  std::string from;
  switch (query_.level) {
    case QueryLevel::kPatient:
      from = "patients p";
      break;
    case QueryLevel::kStudy:
      from = "studies st";
      break;
    case QueryLevel::kSeries:
      from = "series se JOIN studies st ON st.id = se.study_pk";
      break;
    case QueryLevel::kInstance:
      from =
          "instances i JOIN series se ON se.id = i.series_pk "
          "JOIN studies st ON st.id = se.study_pk";
      break;
  }
  if (patients && query_.level != QueryLevel::kPatient) {
    from += " JOIN patients p ON p.id = st.patient_pk";
  }
  if (metadata) {
    from += " LEFT JOIN instance_metadata m ON m.instance_pk = " + RepresentativeInstance();
  }
  return from;
}

Status Builder::AddScope() {
  const auto level = query_.level;
  if (!query_.patient_id.empty()) {
    where_.push_back(std::string(level == QueryLevel::kPatient ? "p" : "st") +
                     ".patient_id = " + Param(query_.patient_id));
  }
  if (!query_.study_uid.empty()) {
    if (level < QueryLevel::kStudy) return Invalid("a patient query cannot name a study");
    where_.push_back("st.study_uid = " + Param(query_.study_uid));
  }
  if (!query_.series_uid.empty()) {
    if (level < QueryLevel::kSeries) {
      return Invalid(std::string("a ") + std::string(LevelName(level)) +
                     " query cannot name a series");
    }
    where_.push_back("se.series_uid = " + Param(query_.series_uid));
  }
  return Ok();
}

void Builder::AddField(Tag tag) {
  if (std::find(field_tags_.begin(), field_tags_.end(), tag) == field_tags_.end()) {
    field_tags_.push_back(tag);
  }
}

Status Builder::AddCondition(const Condition& condition) {
  if (const auto* a = FindIndexedAttribute(condition.tag)) {
    if (a->level > query_.level) {
      // A return key from a lower level is simply not there (C-FIND allows
      // asking); a constraint on it cannot be honoured.
      if (condition.type == MatchType::kUniversal) return Ok();
      return Invalid(TagKey(condition.tag) + " cannot be matched at " +
                     std::string(LevelName(query_.level)) + " level");
    }
    AddField(condition.tag);
    if (condition.type == MatchType::kUniversal) return Ok();
    return MatchIndexed(*a, condition);
  }
  const std::string vr = VrOfTag(condition.tag);
  if (vr == "SQ" && condition.type != MatchType::kUniversal) {
    return Invalid("sequence " + TagKey(condition.tag) + " cannot be matched");
  }
  AddField(condition.tag);
  if (condition.type == MatchType::kUniversal) return Ok();
  return MatchJson(condition.tag, vr, condition);
}

Status Builder::Match(const std::string& expression, const Condition& condition, MatchShape shape) {
  auto clause = MatchClause(expression, condition, shape, params_);
  if (!clause) return std::move(clause).error();
  if (!clause->empty()) where_.push_back(std::move(*clause));
  return Ok();
}

// True when `text` holds a character of the scripts DICOM keeps in a name's
// Ideographic or Phonetic group: Hangul, kana, CJK ideographs, half-width kana.
// Not Vietnamese letters or typographic quotes, which Latin names carry.
static bool HasIdeographicScript(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const long cp = DecodeUtf8(text, i);
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x2E80 && cp <= 0x9FFF) ||
        (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFF66 && cp <= 0xFF9F) || cp >= 0x20000) {
      return true;
    }
    if (i == start) ++i;  // not UTF-8: DecodeUtf8 stays put
  }
  return false;
}

std::optional<Result<std::string>> Builder::MatchNameGroups(const IndexedAttribute& a,
                                                            const Condition& condition) {
  if (condition.type != MatchType::kSingleValue && condition.type != MatchType::kWildcard) {
    return std::nullopt;
  }
  const std::string& value = condition.values.front();
  const bool grouped = value.find('=') != std::string::npos;
  // A fuzzy search of one value keeps its word-start rule on the Alphabetic group.
  if (!grouped && (query_.fuzzy_matching || !HasIdeographicScript(value))) return std::nullopt;
  const bool fold = options_.case_insensitive_names;
  // The Alphabetic group has its column; the others are read from the value's JSON.
  const std::string expressions[] = {Column(a, fold ? "_folded" : ""),
                                     "json_extract(" + Column(a, "_json") + ", '$[0].Ideographic')",
                                     "json_extract(" + Column(a, "_json") + ", '$[0].Phonetic')"};
  const auto match_group = [&](std::size_t group, std::string text) -> Result<std::string> {
    Condition one = condition;
    one.values = {std::move(text)};
    one.type = one.values.front().find_first_of("*?") == std::string::npos ? MatchType::kSingleValue
                                                                           : MatchType::kWildcard;
    auto clause = MatchClause(expressions[group], one, {"PN", fold && group == 0}, params_);
    if (group == 0 || !clause || clause->empty()) return clause;
    // Only names with more than an Alphabetic group have the JSON, so the guard
    // changes no answer; it lets SQLite use the partial indexes on these groups
    // (schema v6: the patient's name, v7: the referring physician's).
    return Column(a, "_json") + " IS NOT NULL AND " + *clause;
  };
  std::vector<std::string> clauses;
  if (grouped) {
    // "Yamada^Tarou=山田^太郎=やまだ^たろう": each group given constrains its own;
    // an empty one (or "*") constrains nothing.
    const auto groups = Split(value, '=');
    if (groups.size() > 3)
      return Result<std::string>(Invalid("a person name has at most three groups"));
    for (std::size_t group = 0; group < groups.size(); ++group) {
      // Stored groups lose their padding (PersonNameValue); so do these.
      auto clause = match_group(group, std::string(Trim(groups[group])));
      if (!clause) return clause;
      if (!clause->empty()) clauses.push_back(std::move(*clause));
    }
    std::string all;
    for (const auto& clause : clauses) all += (all.empty() ? "(" : " AND (") + clause + ")";
    return all;
  }
  // "山田*": the script says which groups it may be in, not which one.
  for (std::size_t group = 0; group < 3; ++group) {
    auto clause = match_group(group, value);
    if (!clause) return clause;
    if (clause->empty()) return std::string();  // a universal match
    clauses.push_back(std::move(*clause));
  }
  return "((" + clauses[0] + ") OR (" + clauses[1] + ") OR (" + clauses[2] + "))";
}

// Free-text descriptions, which fuzzy matching compares regardless of case: people
// type "knee" for "KNEE MRI"; identifiers and codes keep exact matching.
static bool IsDescription(Tag tag) {
  return tag == kStudyDescriptionTag || tag == kSeriesDescriptionTag;
}

Status Builder::MatchIndexed(const IndexedAttribute& a, const Condition& condition) {
  switch (a.kind) {
    case ColumnKind::kList: {
      // Matches when any series (any instance) of the study has one of the values.
      const bool modalities = a.tag == 0x00080061;
      auto clause = MatchClause(modalities ? "x.modality" : "y.sop_class_uid", condition,
                                {a.vr, false}, params_);
      if (!clause) return std::move(clause).error();
      if (clause->empty()) return Ok();
      where_.push_back((modalities ? "EXISTS (SELECT 1 FROM series x WHERE x.study_pk = st.id AND "
                                   : "EXISTS (SELECT 1 FROM series x JOIN instances y ON "
                                     "y.series_pk = x.id WHERE x.study_pk = st.id AND ") +
                       *clause + ")");
      return Ok();
    }
    case ColumnKind::kPersonName: {
      if (auto groups = MatchNameGroups(a, condition)) {
        if (!*groups) return std::move(*groups).error();
        if (!(*groups)->empty()) where_.push_back(std::move(**groups));
        return Ok();
      }
      const bool fold = options_.case_insensitive_names;
      auto clause = MatchClause(Column(a, fold ? "_folded" : ""), condition, {"PN", fold}, params_);
      if (!clause) return std::move(clause).error();
      // A wildcard pattern already says where its parts may be: only a single
      // value is widened, so that fuzzy matching asked for another attribute
      // (descriptions) does not bring in other names.
      const bool fuzzy =
          query_.fuzzy_matching && !clause->empty() && condition.type == MatchType::kSingleValue;
      if (!fuzzy) {
        if (clause->empty()) return Ok();
        where_.push_back(std::move(*clause));
        if (fold && MatchNameStart(Column(a, "_folded"), condition)) return Ok();
        NotePrefix(Column(a, fold ? "_folded" : ""), condition, {"PN", fold});
        return Ok();
      }
      // Fuzzy: also names with a component or word that starts with the value.
      const std::string words =
          "(' ' || replace(replace(" + Column(a, "_folded") + ", '^', ' '), '=', ' '))";
      where_.push_back("((" + *clause + ") OR " + words + " GLOB " +
                       Param("* " + GlobPattern(FoldCaseUtf8(condition.values[0])) + "*") + ")");
      return Ok();
    }
    case ColumnKind::kTime:
      if (condition.type == MatchType::kSingleValue || condition.type == MatchType::kRange) {
        return Match(Column(a, "_norm"), condition, {"TM", false});
      }
      return Match(Column(a), condition, {"TM", false});
    case ColumnKind::kDate:
    case ColumnKind::kInteger:
    case ColumnKind::kCount:
      return Match(Column(a), condition, {a.vr, false});
    case ColumnKind::kConstant:
      return Match(Column(a), condition, {a.vr, false});
    case ColumnKind::kText:
      if (query_.fuzzy_matching && IsDescription(a.tag)) {
        // Folded at query time, so no index serves it: fine for "*knee*", the
        // search people make (the explorer's, OHIF's), a scan for an exact value.
        return Match("tessera_fold(" + Column(a) + ")", condition, {a.vr, true});
      }
      [[fallthrough]];
    case ColumnKind::kUid: {
      const std::size_t before = where_.size();
      if (auto status = Match(Column(a), condition, {a.vr, false}); !status) return status;
      if (where_.size() > before) NotePrefix(Column(a), condition, {a.vr, false});
      return Ok();
    }
  }
  return Ok();
}

bool Builder::MatchNameStart(const std::string& column, const Condition& condition) {
  if (column != "st.patient_name_folded") return false;
  const auto range = WildcardPrefixRange(condition, {"PN", true});
  if (!range) return false;
  const auto start = LeadingCharacters(range->low, kNameStartCharacters);
  // Only a whole UTF-8 character ends the start where a stored name's would (names
  // are stored as UTF-8); a C-FIND value may not be.
  if (!start || !IsValidUtf8(*start)) return false;
  // The same expression as the index's, so that SQLite can use it.
  name_start_clause_ = where_.size();
  where_.push_back("substr(" + column + ", 1, " + std::to_string(kNameStartCharacters) +
                   ") = " + Param(std::string(*start)));
  return true;
}

void Builder::NotePrefix(const std::string& column, const Condition& condition, MatchShape shape) {
  if (probe_ || query_.level != QueryLevel::kStudy || !column.starts_with("st.")) return;
  auto range = WildcardPrefixRange(condition, shape);
  if (!range) return;
  probe_ = Probe{column, std::move(range->low), std::move(range->high), where_.size() - 1};
}

Status Builder::MatchJson(Tag tag, std::string_view vr, const Condition& condition) {
  // The values of the representative instance's element; any one may match.
  const bool fold = vr == "PN" && options_.case_insensitive_names;
  std::string value = "value";
  if (vr == "PN") value = "json_extract(value, '$.Alphabetic')";
  if (fold) value = "tessera_fold(" + value + ")";
  if (condition.type == MatchType::kSingleValue || condition.type == MatchType::kRange) {
    if (vr == "DA") value = "replace(value, '.', '')";
    if (vr == "TM") value = "tessera_norm_time(value)";
    if (vr == "DT") value = "tessera_norm_datetime(value)";
  }
  const std::string path = Param("$.\"" + TagKey(tag) + "\".Value");
  auto clause = MatchClause(value, condition, {vr, fold}, params_);
  if (!clause) return std::move(clause).error();
  if (clause->empty()) {
    params_.DropLast();  // the path is not used after all
    return Ok();
  }
  where_.push_back("EXISTS (SELECT 1 FROM json_each(m.json, " + path + ") WHERE " + *clause + ")");
  where_needs_metadata_ = true;
  return Ok();
}

void Builder::AddDefaultFields() {
  const auto level = query_.level;
  const auto add_level = [&](QueryLevel of, bool with_counts) {
    for (const auto& a : IndexedAttributes()) {
      if (a.level != of) continue;
      if (a.kind == ColumnKind::kCount && !with_counts) continue;
      AddField(a.tag);
    }
  };
  if (query_.include_all) {
    for (const auto& a : IndexedAttributes()) {
      if (a.level <= level) AddField(a.tag);
    }
    return;
  }
  switch (level) {
    case QueryLevel::kPatient:
      add_level(QueryLevel::kPatient, true);
      return;
    case QueryLevel::kStudy:
      add_level(QueryLevel::kPatient, false);
      add_level(QueryLevel::kStudy, true);
      return;
    case QueryLevel::kSeries:
      AddField(0x0020000D);  // handlers need it for RetrieveURL
      AddStudyContext();
      if (query_.study_uid.empty()) {
        add_level(QueryLevel::kPatient, false);
        add_level(QueryLevel::kStudy, true);
      }
      add_level(QueryLevel::kSeries, true);
      return;
    case QueryLevel::kInstance:
      AddField(0x0020000D);
      AddField(0x0020000E);
      AddStudyContext();
      if (query_.study_uid.empty()) {
        add_level(QueryLevel::kPatient, false);
        add_level(QueryLevel::kStudy, true);
      }
      if (query_.series_uid.empty()) add_level(QueryLevel::kSeries, true);
      add_level(QueryLevel::kInstance, true);
      return;
  }
}

std::string Builder::SelectList(std::vector<ResultField>& fields) {
  std::string select;
  int column = 0;
  for (const Tag tag : field_tags_) {
    ResultField field;
    field.tag = tag;
    field.key = TagKey(tag);
    field.attribute = FindIndexedAttribute(tag);
    field.vr = field.attribute != nullptr ? std::string(field.attribute->vr) : VrOfTag(tag);
    field.column = column;
    if (!select.empty()) select += ", ";
    if (field.attribute == nullptr) {
      select += "json_extract(m.json, " + Param("$.\"" + field.key + "\"") + ")";
      needs_metadata_ = true;
      column += 1;
    } else if (field.attribute->kind == ColumnKind::kPersonName) {
      select += Column(*field.attribute) + ", " + Column(*field.attribute, "_json");
      column += 2;
    } else {
      select += Column(*field.attribute);
      column += 1;
    }
    fields.push_back(std::move(field));
  }
  return select;
}

Result<std::string> Builder::OrderList() {
  std::string order;
  const std::string pk = query_.level == QueryLevel::kPatient  ? "p.id"
                         : query_.level == QueryLevel::kStudy  ? "st.id"
                         : query_.level == QueryLevel::kSeries ? "se.id"
                                                               : "i.id";
  // StudyDate alone ("-StudyDate" is the explorer's default) takes the default
  // order's tie-breaks in the same direction: studies of one day come by time,
  // and studies_by_date_time serves it whole instead of sorting each day's studies.
  const bool by_date_alone = OrdersByStudyDateAlone();
  const char* direction = by_date_alone && !query_.order_by.front().descending ? "" : " DESC";
  const std::span<const OrderBy> order_by =
      by_date_alone ? std::span<const OrderBy>() : std::span<const OrderBy>(query_.order_by);
  for (const auto& key : order_by) {
    std::string expression;
    if (const auto* a = FindIndexedAttribute(key.tag)) {
      if (a->level > query_.level) {
        return Invalid("cannot order " + std::string(LevelName(query_.level)) + " results by " +
                       TagKey(key.tag));
      }
      expression = a->kind == ColumnKind::kPersonName ? Column(*a, "_folded")
                   : a->kind == ColumnKind::kTime     ? Column(*a, "_norm")
                                                      : Column(*a);
    } else {
      const bool pn = VrOfTag(key.tag) == "PN";
      expression = "json_extract(m.json, " +
                   Param("$.\"" + TagKey(key.tag) + "\".Value[0]" + (pn ? ".Alphabetic" : "")) +
                   ")";
      needs_metadata_ = true;
    }
    if (!order.empty()) order += ", ";
    order += expression + (key.descending ? " DESC" : "");
  }
  if (order.empty()) {
    switch (query_.level) {
      case QueryLevel::kPatient:
        order = "p.patient_name_folded, p.id";
        break;
      case QueryLevel::kStudy:
        // Matches studies_by_date_time (read backwards when descending): no sort for
        // the study list.
        for (const char* column :
             {"st.study_date", "st.study_time_norm", "st.patient_name_folded", "st.id"}) {
          if (!order.empty()) order += ", ";
          order += std::string(column) + direction;
        }
        break;
      case QueryLevel::kSeries:
        order = "se.series_number IS NULL, se.series_number, se.id";
        break;
      case QueryLevel::kInstance:
        order = "i.instance_number IS NULL, i.instance_number, i.id";
        break;
    }
  } else {
    order += ", " + pk;
  }
  return order;
}

Result<SqlQuery> Builder::Build() {
  if (auto status = AddScope(); !status) return std::move(status).error();
  for (const auto& condition : query_.conditions) {
    if (auto status = AddCondition(condition); !status) return std::move(status).error();
  }
  where_needs_patients_ = needs_patients_;
  const std::size_t where_binds = params_.size();

  AddDefaultFields();
  for (const Tag tag : query_.include) {
    const auto* a = FindIndexedAttribute(tag);
    if (a != nullptr && a->level > query_.level) continue;  // not kept at this level
    AddField(tag);
  }

  // Sorted, so that the runner builds each result object in key order.
  std::sort(field_tags_.begin(), field_tags_.end());
  SqlQuery result;
  const std::string select = SelectList(result.fields);
  auto order = OrderList();
  if (!order) return std::move(order).error();

  const auto where_clause = [&](const std::vector<std::string>& clauses) {
    std::string where;
    for (const auto& clause : clauses) {
      where += where.empty() ? " WHERE " : " AND ";
      where += clause;
    }
    return where;
  };
  const std::string where = where_clause(where_);
  const std::int64_t limit =
      query_.limit ? static_cast<std::int64_t>(*query_.limit) : std::int64_t{-1};
  const std::string limit_param = Param(limit);
  const std::string offset_param = Param(static_cast<std::int64_t>(query_.offset));
  result.sql = "SELECT " + select + " FROM " +
               From(needs_patients_, needs_metadata_ || where_needs_metadata_) + where +
               " ORDER BY " + *order + " LIMIT " + limit_param + " OFFSET " + offset_param;
  std::vector<std::string> counted = where_;
  if (name_start_clause_) counted.erase(counted.begin() + *name_start_clause_);
  result.count_sql = query_.level == QueryLevel::kStudy && where_.empty()
                         ? "SELECT studies FROM study_total"  // kept by triggers (schema.cpp)
                         : "SELECT count(*) FROM " +
                               From(where_needs_patients_, where_needs_metadata_) +
                               where_clause(counted);
  // Reading newest first pays off when the page ends well before the prefix's
  // matches do; the probe can only tell that for pages shorter than its cap.
  if (probe_ && query_.limit && *query_.limit + query_.offset < kProbeCap && ListsNewestFirst()) {
    // The same clause with "+column": a value, not something an index can serve.
    std::vector<std::string> unindexed = where_;
    std::string& clause = unindexed[probe_->clause];
    for (auto at = clause.find(probe_->column); at != std::string::npos;
         at = clause.find(probe_->column, at + probe_->column.size() + 1)) {
      clause.insert(at, 1, '+');
    }
    result.ordered_sql = "SELECT " + select + " FROM " +
                         From(needs_patients_, needs_metadata_ || where_needs_metadata_) +
                         where_clause(unindexed) + " ORDER BY " + *order + " LIMIT " + limit_param +
                         " OFFSET " + offset_param;
    result.probe_sql = "SELECT count(*) FROM (SELECT 1 FROM studies st WHERE " + probe_->column +
                       " >= ?1 AND " + probe_->column + " < ?2 LIMIT ?3)";
    result.probe_binds = {probe_->low, probe_->high, kProbeCap};
  }
  result.binds = params_.Take();
  result.where_binds = where_binds;
  return result;
}

}  // namespace

Result<SqlQuery> BuildQuerySql(const Query& query, const QueryOptions& options) {
  return Builder(query, options).Build();
}

}  // namespace tessera::archive
