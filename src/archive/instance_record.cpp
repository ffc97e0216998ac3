#include "archive/instance_record.h"

#include <cmath>

#include "archive/archive.h"
#include "archive/attributes.h"
#include "archive/time_values.h"
#include "base/strings.h"

namespace tessera::archive {

using nlohmann::json;

void BindValue(db::Statement& statement, int index, const SqlValue& value) {
  if (const auto* number = std::get_if<std::int64_t>(&value)) {
    statement.Bind(index, *number);
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    statement.Bind(index, *text);
  } else {
    statement.BindNull(index);
  }
}

// The levels whose attributes `table` holds, in column order.
static std::vector<QueryLevel> LevelsOf(IndexTable table) {
  switch (table) {
    case IndexTable::kPatients:
      return {QueryLevel::kPatient};
    case IndexTable::kStudies:
      return {QueryLevel::kStudy, QueryLevel::kPatient};
    case IndexTable::kSeries:
      return {QueryLevel::kSeries};
    case IndexTable::kInstances:
      return {QueryLevel::kInstance};
  }
  return {};
}

// Calls fn(attribute) for each attribute stored in `table` from the instance.
template <class Fn>
static void ForEachInstanceAttribute(IndexTable table, Fn&& fn) {
  for (const QueryLevel level : LevelsOf(table)) {
    for (const auto& attribute : IndexedAttributes()) {
      if (attribute.level == level && FromInstance(attribute)) fn(attribute);
    }
  }
}

std::vector<std::string> InstanceColumns(IndexTable table) {
  std::vector<std::string> columns;
  ForEachInstanceAttribute(table, [&](const IndexedAttribute& a) {
    const std::string column(a.column);
    columns.push_back(column);
    if (a.kind == ColumnKind::kPersonName) {
      columns.push_back(column + "_folded");
      columns.push_back(column + "_json");
    }
    if (a.kind == ColumnKind::kTime) columns.push_back(column + "_norm");
  });
  return columns;
}

static const json* ValuesOf(const json& dataset, Tag tag) {
  const auto element = dataset.find(TagKey(tag));
  if (element == dataset.end() || !element->is_object()) return nullptr;
  const auto values = element->find("Value");
  if (values == element->end() || !values->is_array() || values->empty()) return nullptr;
  return &*values;
}

static std::string TextOf(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return {};
  return value.dump();
}

// The values joined by '\', as DICOM writes them.
static std::string JoinedText(const json& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += '\\';
    text += TextOf(values[i]);
  }
  return text;
}

static SqlValue TextOrNull(std::string text) {
  if (text.empty()) return {};
  return SqlValue(std::move(text));
}

static SqlValue IntegerOf(const json& value) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18) {
      return static_cast<std::int64_t>(d);
    }
    return {};
  }
  if (value.is_string()) {
    if (auto parsed = ParseInt(Trim(value.get_ref<const std::string&>()))) return *parsed;
  }
  return {};
}

// Appends the column values of `a` (one, two or three, see InstanceColumns).
static void AppendValues(const json& dataset, const IndexedAttribute& a,
                         std::vector<SqlValue>& out) {
  const json* values = ValuesOf(dataset, a.tag);
  switch (a.kind) {
    case ColumnKind::kPersonName: {
      std::string alphabetic;
      bool only_alphabetic = true;
      if (values != nullptr) {
        const json& first = (*values)[0];
        if (first.is_object()) {
          const auto group = first.find("Alphabetic");
          if (group != first.end() && group->is_string()) alphabetic = group->get<std::string>();
          only_alphabetic = first.size() == (group != first.end() ? 1u : 0u);
        } else if (first.is_string()) {
          alphabetic = first.get<std::string>();
        }
        only_alphabetic = only_alphabetic && values->size() == 1;
      }
      std::string folded = FoldCaseUtf8(alphabetic);
      out.push_back(TextOrNull(std::move(alphabetic)));
      out.push_back(TextOrNull(std::move(folded)));
      out.push_back(values == nullptr || only_alphabetic
                        ? SqlValue()
                        : SqlValue(values->dump(-1, ' ', false, json::error_handler_t::replace)));
      return;
    }
    case ColumnKind::kTime: {
      const std::string raw = values != nullptr ? TextOf((*values)[0]) : std::string();
      out.push_back(TextOrNull(std::string(Trim(raw))));
      out.push_back(TextOrNull(StoredTime(raw)));
      return;
    }
    case ColumnKind::kDate:
      out.push_back(values != nullptr ? TextOrNull(StoredDate(TextOf((*values)[0]))) : SqlValue());
      return;
    case ColumnKind::kInteger:
      out.push_back(values != nullptr ? IntegerOf((*values)[0]) : SqlValue());
      return;
    case ColumnKind::kText:
    case ColumnKind::kUid:
      out.push_back(values != nullptr ? TextOrNull(JoinedText(*values)) : SqlValue());
      return;
    case ColumnKind::kCount:
    case ColumnKind::kList:
    case ColumnKind::kConstant:
      return;
  }
}

static std::vector<SqlValue> ValuesFor(IndexTable table, const dicom::InstanceInfo& info) {
  std::vector<SqlValue> values;
  ForEachInstanceAttribute(table, [&](const IndexedAttribute& a) {
    AppendValues(info.metadata, a, values);
    // The reader knows the frame count even when (0028,0008) is absent.
    if (a.tag == 0x00280008 && info.number_of_frames > 0) {
      values.back() = static_cast<std::int64_t>(info.number_of_frames);
    }
  });
  return values;
}

static std::string FirstText(const json& dataset, Tag tag) {
  const json* values = ValuesOf(dataset, tag);
  return values != nullptr ? TextOf((*values)[0]) : std::string();
}

// The reader wrote BulkDataURIs as "<marker><tag path>"; the UIDs were not known
// then. Inserting the instance's own path makes each URI self-contained, so a
// handler serving many instances' metadata swaps only the marker for its root.
static std::string WithInstancePathInBulkDataUris(std::string text, const dicom::InstanceInfo& info) {
  const std::string marker = "\"" + std::string(Archive::kBulkDataMarker);
  const std::string replacement = marker + "studies/" + info.study_uid + "/series/" +
                                  info.series_uid + "/instances/" + info.sop_instance_uid +
                                  "/bulkdata/";
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  for (auto pos = text.find(marker); pos != std::string::npos; pos = text.find(marker, start)) {
    out.append(text, start, pos - start);
    out.append(replacement);
    start = pos + marker.size();
  }
  out.append(text, start);
  return out;
}

InstanceRecord MakeInstanceRecord(const dicom::InstanceInfo& info, std::uint64_t size,
                                  std::int64_t stored_at_ms) {
  const json& dataset = info.metadata;
  InstanceRecord record;
  record.study_uid = info.study_uid;
  record.series_uid = info.series_uid;
  record.sop_instance_uid = info.sop_instance_uid;
  record.sop_class_uid = info.sop_class_uid;
  record.transfer_syntax_uid = info.transfer_syntax_uid;
  const std::string patient_id = FirstText(dataset, 0x00100020);
  record.patient_key = patient_id.empty() ? "\\" + info.study_uid
                                          : patient_id + "\\" + FirstText(dataset, 0x00100021);
  record.modality = FirstText(dataset, 0x00080060);
  record.patient_values = ValuesFor(IndexTable::kPatients, info);
  record.study_values = ValuesFor(IndexTable::kStudies, info);
  record.series_values = ValuesFor(IndexTable::kSeries, info);
  record.instance_values = ValuesFor(IndexTable::kInstances, info);
  record.size = size;
  record.stored_at_ms = stored_at_ms;
  record.metadata_json = WithInstancePathInBulkDataUris(
      dataset.dump(-1, ' ', false, json::error_handler_t::replace), info);
  return record;
}

}  // namespace tessera::archive
