#include "archive/match_sql.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "archive/attributes.h"
#include "archive/sql_helpers.h"
#include "archive/time_values.h"
#include "base/strings.h"
#include "dicom/value_syntax.h"

namespace tessera::archive {

std::string SqlParams::Add(SqlValue value) {
  values_.push_back(std::move(value));
  return Placeholder(values_.size());
}

std::string GlobPattern(std::string_view wildcard) {
  std::string pattern;
  pattern.reserve(wildcard.size());
  for (const char c : wildcard) {
    if (c == '[') {
      pattern += "[[]";
    } else {
      pattern += c;
    }
  }
  return pattern;
}

static bool IsNumberVr(std::string_view vr) {
  for (const std::string_view v : {"IS", "DS", "US", "SS", "UL", "SL", "FL", "FD", "UV", "SV"}) {
    if (vr == v) return true;
  }
  return false;
}

static bool MatchesEverything(std::string_view wildcard) {
  return wildcard.find_first_not_of('*') == std::string_view::npos;
}

// The smallest string above every string that starts with `prefix`.
static std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

// PS3.5 6.2: a person name's trailing empty components may be left out with their
// delimiters, so "Lestrade^G^^" and "Lestrade^G" are the same name. Matching
// compares names without them, on either side; stored values keep theirs.
static std::string_view WithoutEmptyTail(std::string_view name) {
  const auto end = name.find_last_not_of('^');
  return name.substr(0, end == std::string_view::npos ? 0 : end + 1);
}

std::optional<PrefixRange> WildcardPrefixRange(const Condition& condition, MatchShape shape) {
  if (condition.type != MatchType::kWildcard || condition.values.empty()) return std::nullopt;
  if (IsNumberVr(shape.vr)) return std::nullopt;
  const auto& value = condition.values[0];
  std::string_view literal = std::string_view(value).substr(0, value.find_first_of("*?"));
  // "Doe^*" also finds a stored "Doe" (see WithoutEmptyTail).
  if (shape.vr == "PN") literal = WithoutEmptyTail(literal);
  const std::string prefix(literal);
  if (prefix.empty()) return std::nullopt;
  std::string low = shape.fold ? FoldCaseUtf8(prefix) : prefix;
  std::string high = PrefixEnd(low);
  if (high.empty()) return std::nullopt;
  return PrefixRange{std::move(low), std::move(high)};
}

static Error Invalid(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(message));
}

// A number VR's value that is not an integer ("0.8", "-1.5", "1e1": DS, FL and
// FD hold decimals, stored in the metadata as JSON numbers); nullopt otherwise.
static std::optional<double> DecimalOf(const std::string& value, MatchShape shape) {
  if (!IsNumberVr(shape.vr)) return std::nullopt;
  const std::string_view text = Trim(value);
  if (ParseInt(text)) return std::nullopt;
  return dicom::ParseNumber(text);
}

// A single value or list member as a parameter: a number for number VRs (so that
// "02" finds 2), else text, folded when asked. Decimals go through DecimalOf.
static Result<SqlValue> ValueOf(const std::string& value, const Condition& condition,
                                MatchShape shape) {
  if (!IsNumberVr(shape.vr)) return SqlValue(shape.fold ? FoldCaseUtf8(value) : value);
  if (auto integer = ParseInt(Trim(value))) return SqlValue(*integer);
  return Invalid("\"" + value + "\" is not a number for " + TagKey(condition.tag));
}

// A name group has at most five components, so at most four empty ones trail.
constexpr std::size_t kMaxEmptyTail = 4;

// A person name's single value, with or without trailing empty components
// (WithoutEmptyTail): the name and its forms with one to four '^' after it,
// looked up as points in the name index.
static std::string PersonNameEquals(const std::string& column, const std::string& value,
                                    MatchShape shape, SqlParams& params) {
  const std::string folded = shape.fold ? FoldCaseUtf8(value) : value;
  std::string form(WithoutEmptyTail(folded));
  if (form.empty()) return column + " = " + params.Add(folded);
  std::string forms;
  for (std::size_t tail = 0; tail <= kMaxEmptyTail; ++tail, form += '^') {
    forms += (tail == 0 ? "" : ", ") + params.Add(form);
  }
  return column + " IN (" + forms + ")";
}

// A person name's wildcard pattern as a test of `subject`, trailing empty
// components aside: the stored name without them, or with as many as the
// pattern can need, matches. The fewest that can is never more than the
// pattern's '^' and '?' (a '*' matches as few as it must), nor than four. So
// "*^John" finds "Doe^John^^", "Doe^John^*" and "Doe*^" find "Doe^John".
static std::string PersonNameGlob(const std::string& subject, const std::string& pattern,
                                  SqlParams& params) {
  const auto needed = static_cast<std::size_t>(
      std::count_if(pattern.begin(), pattern.end(), [](char c) { return c == '^' || c == '?'; }));
  const std::string glob = params.Add(GlobPattern(pattern));
  const std::string stem = "rtrim(" + subject + ", '^')";
  std::string test = stem + " GLOB " + glob;
  for (std::size_t tail = 1; tail <= std::min(needed, kMaxEmptyTail); ++tail) {
    test += " OR " + stem + " || '" + std::string(tail, '^') + "' GLOB " + glob;
  }
  return needed == 0 ? test : "(" + test + ")";
}

static Result<std::string> Normalised(std::string_view value, std::string_view vr, Bound bound) {
  if (vr == "DA") return DateBound(value);
  if (vr == "TM") return TimeBound(value, bound);
  return DateTimeBound(value, bound);
}

static bool IsRangeVr(std::string_view vr) { return vr == "DA" || vr == "TM" || vr == "DT"; }

Result<std::string> MatchClause(std::string_view expression, const Condition& condition,
                                MatchShape shape, SqlParams& params) {
  const auto& values = condition.values;
  const std::string column(expression);
  switch (condition.type) {
    case MatchType::kUniversal:
      return std::string();
    case MatchType::kSingleValue: {
      if (values.empty() || values[0].empty()) return std::string();  // zero length: universal
      if (IsRangeVr(shape.vr)) {
        auto value = Normalised(values[0], shape.vr, Bound::kLow);
        if (!value) return std::move(value).error();
        return column + " = " + params.Add(std::move(*value));
      }
      if (DecimalOf(values[0], shape)) {
        return column + " = CAST(" + params.Add(std::string(Trim(values[0]))) + " AS REAL)";
      }
      if (shape.vr == "PN") return PersonNameEquals(column, values[0], shape, params);
      auto value = ValueOf(values[0], condition, shape);
      if (!value) return std::move(value).error();
      return column + " = " + params.Add(std::move(*value));
    }
    case MatchType::kWildcard: {
      if (values.empty() || MatchesEverything(values[0])) return std::string();
      const std::string pattern = shape.fold ? FoldCaseUtf8(values[0]) : values[0];
      const auto range = WildcardPrefixRange(condition, shape);
      const std::string subject = range ? column : "CAST(" + column + " AS TEXT)";
      const auto test = [&] {
        return shape.vr == "PN" ? PersonNameGlob(subject, pattern, params)
                                : subject + " GLOB " + params.Add(GlobPattern(pattern));
      };
      if (!range) return test();
      // GLOB alone cannot use an index; the range of its literal prefix can.
      std::string clause = column + " >= " + params.Add(range->low);
      clause += " AND " + column + " < " + params.Add(range->high);
      // "smi*" is exactly its range (text compares byte by byte): testing each
      // candidate's GLOB too doubled the cost of counting a common prefix.
      if (pattern == range->low + "*") return clause;
      return clause + " AND " + test();
    }
    case MatchType::kUidList: {
      if (values.empty()) return Invalid("empty value list for " + TagKey(condition.tag));
      nlohmann::json list = nlohmann::json::array();
      for (const auto& v : values) {
        if (const auto decimal = DecimalOf(v, shape)) {
          list.push_back(*decimal);
          continue;
        }
        auto value = ValueOf(v, condition, shape);
        if (!value) return std::move(value).error();
        if (const auto* n = std::get_if<std::int64_t>(&*value)) {
          list.push_back(*n);
        } else {
          list.push_back(std::get<std::string>(*value));
        }
      }
      // One parameter whatever the list's length: the statement stays the same.
      return column + " IN (SELECT value FROM json_each(" +
             params.Add(list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) + "))";
    }
    case MatchType::kRange: {
      if (!IsRangeVr(shape.vr)) {
        return Invalid("range matching on " + TagKey(condition.tag) + " (" + std::string(shape.vr) +
                       ")");
      }
      if (values.size() != 2) return Invalid("a range has a low and a high value");
      std::string clause;
      for (const Bound bound : {Bound::kLow, Bound::kHigh}) {
        const auto& v = values[bound == Bound::kLow ? 0 : 1];
        if (v.empty()) continue;
        auto normalised = Normalised(v, shape.vr, bound);
        if (!normalised) return std::move(normalised).error();
        if (!clause.empty()) clause += " AND ";
        clause +=
            column + (bound == Bound::kLow ? " >= " : " <= ") + params.Add(std::move(*normalised));
      }
      return clause;
    }
  }
  return std::string();
}

}  // namespace tessera::archive
