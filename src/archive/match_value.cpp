#include "archive/match_value.h"

#include <string>
#include <vector>

#include "dicom/attribute_dictionary.h"
#include "dicom/value_syntax.h"

namespace tessera::archive {
namespace {

bool IsDateTimeVr(std::string_view vr) { return vr == "DA" || vr == "TM" || vr == "DT"; }

bool IsNumericVr(std::string_view vr) {
  return vr == "IS" || vr == "DS" || vr == "US" || vr == "UL" || vr == "SS" || vr == "SL" ||
         vr == "FL" || vr == "FD" || vr == "SV" || vr == "UV";
}

bool IsBinaryVr(std::string_view vr) {
  return vr == "OB" || vr == "OD" || vr == "OF" || vr == "OL" || vr == "OV" || vr == "OW" ||
         vr == "UN";
}

bool HasWildcard(std::string_view value) {
  return value.find_first_of("*?") != std::string_view::npos;
}

std::string_view TrimPadding(std::string_view value) {
  constexpr std::string_view kPadding(" \0", 2);
  const auto first = value.find_first_not_of(kPadding);
  if (first == std::string_view::npos) return {};
  return value.substr(first, value.find_last_not_of(kPadding) - first + 1);
}

std::vector<std::string> SplitList(std::string_view value, std::string_view separators) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const auto end = value.find_first_of(separators, start);
    items.emplace_back(TrimPadding(value.substr(start, end - start)));
    if (end == std::string_view::npos) return items;
    start = end + 1;
  }
}

Error Invalid(std::string message) { return Fail(ErrorCode::kInvalidArgument, std::move(message)); }

Condition Make(Tag tag, MatchType type, std::vector<std::string> values) {
  return Condition{tag, type, std::move(values)};
}

}  // namespace

Result<Condition> ParseMatchValue(Tag tag, std::string_view vr, std::string_view value,
                                  std::string_view list_separators) {
  if (value.empty() || value == "*") return Make(tag, MatchType::kUniversal, {});
  if (IsBinaryVr(vr)) return Invalid("binary attributes cannot be matched");
  if (vr == "SQ") return Invalid("sequence attributes cannot be matched");

  if (IsDateTimeVr(vr)) {
    if (HasWildcard(value)) return Invalid("wildcards are not allowed for dates and times");
    // A whole valid value wins over a range reading: a DT may end in "-0500".
    if (dicom::IsValidDateTimeValue(vr, value)) {
      return Make(tag, MatchType::kSingleValue, {std::string(value)});
    }
    if (value.find('-') == std::string_view::npos) {
      return Invalid("'" + std::string(value) + "' is not a valid " + std::string(vr));
    }
    auto range = dicom::SplitRange(vr, value);
    if (!range) return std::move(range).error();
    return Make(tag, MatchType::kRange, {std::move(range->first), std::move(range->second)});
  }

  if (vr == "UI") {
    if (HasWildcard(value)) return Invalid("wildcards are not allowed for UIDs");
    auto uids = SplitList(value, list_separators);
    for (const auto& uid : uids) {
      if (!dicom::IsValidUid(uid)) return Invalid("'" + uid + "' is not a valid UID");
    }
    const auto type = uids.size() == 1 ? MatchType::kSingleValue : MatchType::kUidList;
    return Make(tag, type, std::move(uids));
  }

  if (IsNumericVr(vr)) {
    if (!dicom::IsValidNumber(value))
      return Invalid("'" + std::string(value) + "' is not a number");
    return Make(tag, MatchType::kSingleValue, {std::string(value)});
  }

  if (HasWildcard(value)) return Make(tag, MatchType::kWildcard, {std::string(value)});
  // Code strings take lists ("CT\MR" for ModalitiesInStudy): equal to any.
  if (vr == "CS" && value.find_first_of(list_separators) != std::string_view::npos) {
    return Make(tag, MatchType::kUidList, SplitList(value, list_separators));
  }
  return Make(tag, MatchType::kSingleValue, {std::string(value)});
}

}  // namespace tessera::archive
