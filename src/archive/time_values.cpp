#include "archive/time_values.h"

#include <algorithm>

#include "base/strings.h"

namespace tessera::archive {

static constexpr std::string_view kTimeLow = "000000.000000";
static constexpr std::string_view kTimeHigh = "235959.999999";
static constexpr std::string_view kDateTimeLow = "00000101000000.000000";
static constexpr std::string_view kDateTimeHigh = "99991231235959.999999";

static std::string Without(std::string_view value, char removed) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c != removed) out += c;
  }
  return out;
}

// Completes `value` with the rest of `pattern` (which has the full shape).
static std::string Pad(std::string value, std::string_view pattern) {
  if (value.size() < pattern.size()) value.append(pattern.substr(value.size()));
  return value;
}

static bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// True for "HH", "HHMM", "HHMMSS" and "HHMMSS.F" to "HHMMSS.FFFFFF" (after the
// date part for DT, whose date part is checked by the caller).
static bool IsTimeShape(std::string_view s) {
  const auto dot = s.find('.');
  const auto whole = s.substr(0, dot);
  if (!AllDigits(whole) || (whole.size() != 2 && whole.size() != 4 && whole.size() != 6)) {
    return false;
  }
  if (dot == std::string_view::npos) return true;
  const auto fraction = s.substr(dot + 1);
  return whole.size() == 6 && !fraction.empty() && fraction.size() <= 6 && AllDigits(fraction);
}

// Drops a "+HHMM"/"-HHMM" UTC offset from a DT value.
static std::string_view WithoutOffset(std::string_view value) {
  const auto sign = value.find_first_of("+-", 4);
  return sign == std::string_view::npos ? value : value.substr(0, sign);
}

std::string StoredDate(std::string_view value) { return Without(Trim(value), '.'); }

std::string StoredTime(std::string_view value) {
  const auto trimmed = Trim(value);
  if (trimmed.empty()) return {};
  return Pad(Without(trimmed, ':'), kTimeLow);
}

std::string StoredDateTime(std::string_view value) {
  const auto trimmed = Trim(value);
  if (trimmed.size() < 4) return std::string(trimmed);
  return Pad(std::string(WithoutOffset(trimmed)), kDateTimeLow);
}

static Error BadValue(std::string_view what, std::string_view value) {
  return Fail(ErrorCode::kInvalidArgument,
              "malformed " + std::string(what) + " \"" + std::string(value) + "\"");
}

Result<std::string> DateBound(std::string_view value) {
  auto date = Without(Trim(value), '.');
  if (date.size() != 8 || !AllDigits(date)) return BadValue("date", value);
  return date;
}

Result<std::string> TimeBound(std::string_view value, Bound bound) {
  auto time = Without(Trim(value), ':');
  if (!IsTimeShape(time)) return BadValue("time", value);
  return Pad(std::move(time), bound == Bound::kLow ? kTimeLow : kTimeHigh);
}

Result<std::string> DateTimeBound(std::string_view value, Bound bound) {
  const auto trimmed = Trim(value);
  const auto local = trimmed.size() >= 4 ? WithoutOffset(trimmed) : trimmed;
  const auto date = local.substr(0, std::min<std::size_t>(local.size(), 8));
  const bool date_ok =
      AllDigits(date) && (date.size() == 4 || date.size() == 6 || date.size() == 8);
  const bool time_ok = local.size() <= 8 || (date.size() == 8 && IsTimeShape(local.substr(8)));
  const auto offset = trimmed.substr(local.size());  // "" or "+HHMM"/"-HHMM"
  const bool offset_ok = offset.empty() || (offset.size() == 5 && AllDigits(offset.substr(1)));
  if (!date_ok || !time_ok || !offset_ok) return BadValue("date-time", value);
  return Pad(std::string(local), bound == Bound::kLow ? kDateTimeLow : kDateTimeHigh);
}

}  // namespace tessera::archive
