#include "dimse/query_from_identifier.h"

#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvr.h>

#include "archive/match_value.h"
#include "base/strings.h"
#include "dicom/attribute_dictionary.h"
#include "dicom/text_decoder.h"

namespace tessera::dimse {
namespace {

using archive::Condition;
using archive::MatchType;
using archive::QueryLevel;
using archive::Tag;

constexpr Tag kSpecificCharacterSet = 0x00080005;
constexpr Tag kSopInstanceUid = 0x00080018;
constexpr Tag kQueryRetrieveLevel = 0x00080052;
constexpr Tag kRetrieveAeTitle = 0x00080054;
constexpr Tag kPatientId = 0x00100020;
constexpr Tag kStudyInstanceUid = 0x0020000D;
constexpr Tag kSeriesInstanceUid = 0x0020000E;

Error BadKey(Tag tag, std::string message) {
  std::string name(dicom::KeywordOf(tag));
  if (name.empty()) name = dicom::TagToHex(tag);
  return Fail(ErrorCode::kInvalidArgument, name + ": " + std::move(message));
}

Tag TagOf(DcmElement& element) {
  const DcmTag& tag = element.getTag();
  return (static_cast<Tag>(tag.getGroup()) << 16) | tag.getElement();
}

// The unique key identifying one entity of `level`.
Tag UniqueKeyOf(QueryLevel level) {
  switch (level) {
    case QueryLevel::kPatient:
      return kPatientId;
    case QueryLevel::kStudy:
      return kStudyInstanceUid;
    case QueryLevel::kSeries:
      return kSeriesInstanceUid;
    case QueryLevel::kInstance:
      return kSopInstanceUid;
  }
  return kStudyInstanceUid;
}

struct Level {
  QueryLevel level;
  std::string name;
};

Result<Level> ReadLevel(DcmDataset& identifier, InformationModel model) {
  OFString value;
  if (identifier.findAndGetOFString(DcmTagKey(0x0008, 0x0052), value).bad()) {
    return BadKey(kQueryRetrieveLevel, "missing");
  }
  const std::string name(Trim(std::string_view(value.c_str(), value.length())));
  if (name == "PATIENT") {
    if (model == InformationModel::kStudyRoot) {
      return BadKey(kQueryRetrieveLevel, "PATIENT is not a level of the Study Root model");
    }
    return Level{QueryLevel::kPatient, name};
  }
  if (name == "STUDY") return Level{QueryLevel::kStudy, name};
  if (name == "SERIES") return Level{QueryLevel::kSeries, name};
  if (name == "IMAGE") return Level{QueryLevel::kInstance, name};
  return BadKey(kQueryRetrieveLevel, "unknown level '" + name + "'");
}

std::vector<Tag> UniqueKeys(QueryLevel level, InformationModel model) {
  std::vector<Tag> keys;
  if (model == InformationModel::kPatientRoot) keys.push_back(kPatientId);
  for (const QueryLevel each : {QueryLevel::kStudy, QueryLevel::kSeries, QueryLevel::kInstance}) {
    if (each > level) break;
    keys.push_back(UniqueKeyOf(each));
  }
  return keys;
}

// Keys that are not attributes of the queried entities.
bool IsSkipped(Tag tag) {
  const std::uint16_t group = tag >> 16;
  const std::uint16_t element = tag & 0xFFFF;
  return group == 0x0000 || group == 0x0002 || element == 0x0000 || tag == kQueryRetrieveLevel ||
         tag == kSpecificCharacterSet;
}

bool IsPrivate(Tag tag) { return ((tag >> 16) & 1) != 0; }

std::string ReadVr(DcmElement& element, Tag tag) {
  std::string vr = dicom::VrOf(tag);
  if (vr != "UN") return vr;
  return DcmVR(element.getVR()).getValidVRName();
}

bool IsBinaryVr(std::string_view vr) {
  return vr == "OB" || vr == "OD" || vr == "OF" || vr == "OL" || vr == "OV" || vr == "OW" ||
         vr == "UN";
}

bool IsNumericVr(std::string_view vr) {
  return vr == "IS" || vr == "DS" || vr == "US" || vr == "UL" || vr == "SS" || vr == "SL" ||
         vr == "FL" || vr == "FD" || vr == "SV" || vr == "UV";
}

bool HasWildcard(std::string_view value) {
  return value.find_first_of("*?") != std::string_view::npos;
}

std::string_view TrimPadding(std::string_view value) {
  const auto first = value.find_first_not_of(std::string_view(" \0", 2));
  if (first == std::string_view::npos) return {};
  const auto last = value.find_last_not_of(std::string_view(" \0", 2));
  return value.substr(first, last - first + 1);
}

std::vector<std::string> SplitValues(std::string_view value) {
  std::vector<std::string> values;
  for (const std::string_view part : Split(value, '\\')) {
    values.emplace_back(TrimPadding(part));
  }
  return values;
}

// The element's whole value as UTF-8 text with its padding removed.
std::string ReadText(DcmElement& element, std::string_view vr, dicom::TextDecoder& decoder) {
  OFString raw;
  if (element.getOFStringArray(raw, OFFalse).bad()) return {};
  const std::string_view bytes(raw.c_str(), raw.length());
  if (IsNumericVr(vr) && vr != "IS" && vr != "DS") return std::string(TrimPadding(bytes));
  const DcmVR dcm_vr(element.getVR());
  const std::string text = decoder.Decode(bytes, dcm_vr.getDelimiterChars().c_str());
  return std::string(TrimPadding(text));
}

Result<Condition> ParseCondition(Tag tag, std::string_view vr, std::string_view value) {
  auto condition = archive::ParseMatchValue(tag, vr, value, "\\");
  if (!condition) return BadKey(tag, condition.error().message);
  return condition;
}

// Sets the scope field the unique key `tag` of an upper level maps to.
void SetScope(archive::Query& query, Tag tag, std::string value) {
  if (tag == kPatientId) query.patient_id = std::move(value);
  if (tag == kStudyInstanceUid) query.study_uid = std::move(value);
  if (tag == kSeriesInstanceUid) query.series_uid = std::move(value);
}

// True for the unique keys of the levels above `level` in `model`.
bool IsUpperUniqueKey(Tag tag, QueryLevel level, InformationModel model) {
  if (tag == kPatientId)
    return model == InformationModel::kPatientRoot && level > QueryLevel::kPatient;
  if (tag == kStudyInstanceUid) return level > QueryLevel::kStudy;
  if (tag == kSeriesInstanceUid) return level > QueryLevel::kSeries;
  return false;
}

std::string ReadCharacterSet(DcmDataset& identifier) {
  OFString value;
  if (identifier.findAndGetOFStringArray(DcmTagKey(0x0008, 0x0005), value).bad()) return {};
  return value.c_str();
}

}  // namespace

std::optional<InformationModel> ModelOfSopClass(std::string_view sop_class_uid) {
  for (const char* uid : {UID_FINDPatientRootQueryRetrieveInformationModel,
                          UID_MOVEPatientRootQueryRetrieveInformationModel,
                          UID_GETPatientRootQueryRetrieveInformationModel}) {
    if (sop_class_uid == uid) return InformationModel::kPatientRoot;
  }
  for (const char* uid : {UID_FINDStudyRootQueryRetrieveInformationModel,
                          UID_MOVEStudyRootQueryRetrieveInformationModel,
                          UID_GETStudyRootQueryRetrieveInformationModel}) {
    if (sop_class_uid == uid) return InformationModel::kStudyRoot;
  }
  return std::nullopt;
}

Result<FindRequest> QueryFromIdentifier(DcmDataset& identifier, InformationModel model) {
  auto level = ReadLevel(identifier, model);
  if (!level) return std::move(level).error();
  FindRequest request;
  request.level_name = level->name;
  request.unique_keys = UniqueKeys(level->level, model);
  archive::Query& query = request.query;
  query.level = level->level;
  query.include = request.unique_keys;

  dicom::TextDecoder decoder(ReadCharacterSet(identifier));
  for (unsigned long i = 0; i < identifier.card(); ++i) {
    DcmElement* element = identifier.getElement(i);
    if (element == nullptr) continue;
    const Tag tag = TagOf(*element);
    if (IsSkipped(tag)) continue;
    request.requested.push_back(tag);
    const std::string vr = ReadVr(*element, tag);
    if (IsPrivate(tag) || tag == kRetrieveAeTitle) continue;
    if (vr == "SQ" || IsBinaryVr(vr)) {
      // Returned as the archive has them; their content is never matched.
      query.conditions.push_back(Condition{tag, MatchType::kUniversal, {}});
      continue;
    }

    const std::string value = ReadText(*element, vr, decoder);
    const bool single =
        !value.empty() && !HasWildcard(value) && value.find('\\') == std::string::npos;
    if (single && IsUpperUniqueKey(tag, query.level, model)) {
      if (vr == "UI" && !dicom::IsValidUid(value)) {
        return BadKey(tag, "'" + value + "' is not a valid UID");
      }
      SetScope(query, tag, value);
      continue;
    }
    auto condition = ParseCondition(tag, vr, value);
    if (!condition) return std::move(condition).error();
    query.conditions.push_back(std::move(*condition));
  }
  return request;
}

Result<archive::Query> RetrieveQueryFromIdentifier(DcmDataset& identifier, InformationModel model) {
  auto level = ReadLevel(identifier, model);
  if (!level) return std::move(level).error();
  archive::Query query;
  query.level = level->level;
  query.include = {kStudyInstanceUid, kSeriesInstanceUid, kSopInstanceUid};

  dicom::TextDecoder decoder(ReadCharacterSet(identifier));
  for (const Tag tag : UniqueKeys(level->level, model)) {
    DcmElement* element = nullptr;
    const DcmTagKey key(tag >> 16, tag & 0xFFFF);
    const bool present = identifier.findAndGetElement(key, element).good() && element != nullptr;
    const std::string value = present ? ReadText(*element, dicom::VrOf(tag), decoder) : "";
    if (value.empty()) {
      // Keys above the level may be left out (relational retrieval); the level's own may not.
      if (tag == UniqueKeyOf(level->level)) return BadKey(tag, "missing or empty unique key");
      continue;
    }
    if (HasWildcard(value)) return BadKey(tag, "wildcards are not allowed in unique keys");
    auto values = SplitValues(value);
    if (tag != kPatientId) {
      for (const std::string& uid : values) {
        if (!dicom::IsValidUid(uid)) return BadKey(tag, "'" + uid + "' is not a valid UID");
      }
    }
    if (values.size() == 1 && IsUpperUniqueKey(tag, query.level, model)) {
      SetScope(query, tag, std::move(values.front()));
      continue;
    }
    Condition condition;
    condition.tag = tag;
    condition.type = values.size() == 1 ? MatchType::kSingleValue : MatchType::kUidList;
    condition.values = std::move(values);
    query.conditions.push_back(std::move(condition));
  }
  // Patients have no study UIDs to retrieve by: find the patient's studies.
  if (query.level == QueryLevel::kPatient) query.level = QueryLevel::kStudy;
  return query;
}

}  // namespace tessera::dimse
