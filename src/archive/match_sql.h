#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/instance_record.h"
#include "archive/query.h"
#include "base/result.h"

namespace tessera::archive {

// The parameters of a statement being built; each value gets the next "?N".
class SqlParams {
 public:
  std::string Add(SqlValue value);
  void DropLast() { values_.pop_back(); }
  std::size_t size() const { return values_.size(); }
  std::vector<SqlValue> Take() { return std::move(values_); }

 private:
  std::vector<SqlValue> values_;
};

// How a value compares, from its VR: "DA", "TM", "DT" allow ranges and compare
// normalised (time_values.h); number VRs bind numbers; anything else text.
// `fold`: values are case-folded (the expression must be folded too).
struct MatchShape {
  std::string_view vr;
  bool fold = false;
};

// Translates `condition` on the SQL `expression` into one WHERE clause, adding its
// parameters to `params`. Returns "" when the condition constrains nothing (a
// zero-length value, a wildcard of only '*', a range open at both ends).
// Wildcards become GLOB ('[' escaped) plus, for a literal prefix, a range that an
// index can use. Errors: kInvalidArgument (a malformed value, a range on a VR that
// has none, an empty list).
Result<std::string> MatchClause(std::string_view expression, const Condition& condition,
                                MatchShape shape, SqlParams& params);

// The literal prefix of a wildcard condition as the range [low, high) that every
// match falls in; nullopt when there is none (no prefix, a number VR, not a
// wildcard). The same range MatchClause writes.
struct PrefixRange {
  std::string low;
  std::string high;
};
std::optional<PrefixRange> WildcardPrefixRange(const Condition& condition, MatchShape shape);

// DICOM wildcards as a GLOB pattern: '*' and '?' carry over, '[' is escaped.
std::string GlobPattern(std::string_view wildcard);

}  // namespace tessera::archive
