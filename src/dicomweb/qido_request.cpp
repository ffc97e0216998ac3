#include "dicomweb/qido_request.h"

#include <set>

#include "archive/match_value.h"
#include "base/strings.h"
#include "dicom/attribute_dictionary.h"

namespace tessera::dicomweb {
namespace {

using archive::Condition;
using archive::MatchType;

// A limit or offset. Digits beyond what any archive holds (or 64 bits) are cut to
// kHugeCount: a limit above the server's maximum is reduced to it (PS3.18 8.3.4.4),
// not refused.
constexpr std::size_t kHugeCount = 1'000'000'000;
std::optional<std::size_t> ParseCount(std::string_view value) {
  if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  const auto number = ParseUint(value);
  return number && *number < kHugeCount ? *number : kHugeCount;
}

Error BadParameter(std::string_view name, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::string(name) + ": " + std::move(message));
}

// Parameters PS3.18 defines that change nothing here: answered with a warning.
bool IsIgnoredParameter(std::string_view name) {
  return name == "charset" || name == "timezoneadjustment" || name == "_";
}

// Parameters consumed elsewhere (the guard reads the token), silently skipped.
bool IsForeignParameter(std::string_view name) {
  return name == "token" || name == "access_token" || name == "accept";
}

// `use` completes "sequence attributes cannot be ...": matched, returned, sorted by.
Result<dicom::AttributeInfo> ResolveAttribute(std::string_view name, std::string_view use) {
  if (name.find('.') != std::string_view::npos) {
    return BadParameter(name, "nested (sequence) attributes are not supported");
  }
  auto info = dicom::LookupAttribute(name);
  if (!info) return BadParameter(name, "unknown attribute or query parameter");
  if (info->vr == "SQ") {
    return BadParameter(name, "sequence attributes cannot be " + std::string(use));
  }
  return *info;
}

Result<Condition> ParseCondition(std::string_view name, const dicom::AttributeInfo& info,
                                 std::string_view value) {
  // PS3.18 lets UID and code lists use ',' or '\'.
  auto condition = archive::ParseMatchValue(info.tag, info.vr, value, ",\\");
  if (!condition) return BadParameter(name, condition.error().message);
  return condition;
}

Result<bool> ParseBoolean(std::string_view name, std::string_view value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  return BadParameter(name, "expected true or false");
}

Status AddIncludeFields(archive::Query& query, std::string_view value) {
  for (auto item : Split(value, ',')) {
    item = Trim(item);
    if (item.empty()) continue;
    if (item == "all") {
      query.include_all = true;
      continue;
    }
    auto info = ResolveAttribute(item, "returned");
    if (!info) {
      return BadParameter("includefield", "'" + std::string(item) + "': " + info.error().message);
    }
    query.include.push_back(info->tag);
  }
  return Ok();
}

Status AddOrderBy(archive::Query& query, std::string_view value) {
  for (auto item : Split(value, ',')) {
    item = Trim(item);
    if (item.empty()) continue;
    archive::OrderBy order;
    if (item.front() == '-' || item.front() == '+') {
      order.descending = item.front() == '-';
      item.remove_prefix(1);
    }
    auto info = ResolveAttribute(item, "sorted by");
    if (!info) {
      return BadParameter("orderby", "'" + std::string(item) + "': " + info.error().message);
    }
    order.tag = info->tag;
    query.order_by.push_back(order);
  }
  return Ok();
}

}  // namespace

Result<QidoRequest> ParseQidoRequest(archive::QueryLevel level, const std::string& study_uid,
                                     const std::string& series_uid,
                                     const http::QueryParams& params) {
  QidoRequest request;
  auto& query = request.query;
  query.level = level;
  query.study_uid = study_uid;
  query.series_uid = series_uid;
  std::set<std::uint32_t> matched_tags;
  std::set<std::string> controls_given;  // limit, offset, fuzzymatching, count

  for (const auto& [name, value] : params.items()) {
    if (IsForeignParameter(name)) continue;
    if (IsIgnoredParameter(name)) {
      request.warnings.push_back("the " + name + " parameter is not supported and was ignored");
      continue;
    }
    if (name == "includefield") {
      if (auto status = AddIncludeFields(query, value); !status) return std::move(status).error();
      continue;
    }
    if (name == "orderby") {
      if (auto status = AddOrderBy(query, value); !status) return std::move(status).error();
      continue;
    }
    const bool control =
        name == "limit" || name == "offset" || name == "fuzzymatching" || name == "count";
    if (control && !controls_given.insert(name).second) {
      return BadParameter(name, "given more than once");
    }
    if (name == "limit" || name == "offset") {
      const auto number = ParseCount(value);
      if (!number) return BadParameter(name, "expected a non-negative whole number");
      if (name == "offset") {
        query.offset = *number;
      } else if (*number > 0) {
        query.limit = *number;
      }
      continue;
    }
    if (name == "fuzzymatching" || name == "count") {
      auto flag = ParseBoolean(name, value);
      if (!flag) return std::move(flag).error();
      (name == "count" ? query.count_total : query.fuzzy_matching) = *flag;
      continue;
    }
    auto info = ResolveAttribute(name, "matched");
    if (!info) return std::move(info).error();
    // Matching compares UTF-8 text; other bytes could never match, so say so.
    if (!IsValidUtf8(value)) return BadParameter(name, "the value is not valid UTF-8");
    // SQLite would end the text at a NUL: "*\0x" would match like "*".
    if (value.find('\0') != std::string::npos) {
      return BadParameter(name, "the value holds a NUL character");
    }
    if (!matched_tags.insert(info->tag).second) {
      return BadParameter(name, "given more than once");
    }
    auto condition = ParseCondition(name, *info, value);
    if (!condition) return std::move(condition).error();
    query.conditions.push_back(std::move(*condition));
  }
  return request;
}

}  // namespace tessera::dicomweb
