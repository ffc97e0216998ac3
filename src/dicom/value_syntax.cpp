#include "dicom/value_syntax.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace tessera::dicom {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int Number(std::string_view digits) {
  int n = 0;
  for (const char c : digits) n = n * 10 + (c - '0');
  return n;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// A calendar day: month 1-12, day within that month (leap years counted).
bool IsValidDay(int year, int month, int day) {
  return month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(year, month);
}

bool IsValidDate(std::string_view v) {
  if (v.size() != 8 || !AllDigits(v)) return false;
  return IsValidDay(Number(v.substr(0, 4)), Number(v.substr(4, 2)), Number(v.substr(6, 2)));
}

// Fraction ".F{1,6}" at the end of a time.
bool IsValidFraction(std::string_view v) {
  return v.size() >= 2 && v.size() <= 7 && v.front() == '.' && AllDigits(v.substr(1));
}

bool IsValidTime(std::string_view v) {
  std::string_view fraction;
  if (const auto dot = v.find('.'); dot != std::string_view::npos) {
    fraction = v.substr(dot);
    v = v.substr(0, dot);
    if (v.size() != 6 || !IsValidFraction(fraction)) return false;
  }
  // Old-style "HH:MM:SS" (PS3.5 retired) is still sent by some clients.
  std::string compact;
  for (const char c : v) {
    if (c != ':') compact.push_back(c);
  }
  if (compact.size() != 2 && compact.size() != 4 && compact.size() != 6) return false;
  if (!AllDigits(compact)) return false;
  if (Number(compact.substr(0, 2)) > 23) return false;
  if (compact.size() >= 4 && Number(compact.substr(2, 2)) > 59) return false;
  if (compact.size() == 6 && Number(compact.substr(4, 2)) > 60) return false;  // leap second
  return true;
}

bool IsValidOffset(std::string_view v) {
  return v.size() == 5 && (v[0] == '+' || v[0] == '-') && AllDigits(v.substr(1));
}

bool IsValidDt(std::string_view v) {
  if (v.size() > 5 && IsValidOffset(v.substr(v.size() - 5))) v = v.substr(0, v.size() - 5);
  std::string_view fraction;
  if (const auto dot = v.find('.'); dot != std::string_view::npos) {
    fraction = v.substr(dot);
    v = v.substr(0, dot);
    if (v.size() != 14 || !IsValidFraction(fraction)) return false;
  }
  static constexpr std::size_t kLengths[] = {4, 6, 8, 10, 12, 14};
  bool length_ok = false;
  for (const auto n : kLengths) length_ok = length_ok || v.size() == n;
  if (!length_ok || !AllDigits(v)) return false;
  if (v.size() >= 6) {
    const int month = Number(v.substr(4, 2));
    if (month < 1 || month > 12) return false;
  }
  if (v.size() >= 8 &&
      !IsValidDay(Number(v.substr(0, 4)), Number(v.substr(4, 2)), Number(v.substr(6, 2)))) {
    return false;
  }
  if (v.size() >= 10 && Number(v.substr(8, 2)) > 23) return false;
  if (v.size() >= 12 && Number(v.substr(10, 2)) > 59) return false;
  if (v.size() >= 14 && Number(v.substr(12, 2)) > 60) return false;
  return true;
}

}  // namespace

bool IsValidDateTimeValue(std::string_view vr, std::string_view value) {
  if (vr == "DA") return IsValidDate(value);
  if (vr == "TM") return IsValidTime(value);
  if (vr == "DT") return IsValidDt(value);
  return false;
}

Result<std::pair<std::string, std::string>> SplitRange(std::string_view vr,
                                                       std::string_view value) {
  // A DT end may carry a UTC offset ("-0500"), so try each dash as the separator
  // and take the first split whose ends are both valid.
  for (auto dash = value.find('-'); dash != std::string_view::npos;
       dash = value.find('-', dash + 1)) {
    const auto low = value.substr(0, dash);
    const auto high = value.substr(dash + 1);
    if (low.empty() && high.empty()) break;
    const bool low_ok = low.empty() || IsValidDateTimeValue(vr, low);
    const bool high_ok = high.empty() || IsValidDateTimeValue(vr, high);
    if (low_ok && high_ok) return std::pair{std::string(low), std::string(high)};
  }
  return Fail(ErrorCode::kInvalidArgument,
              "'" + std::string(value) + "' is not a valid " + std::string(vr) + " range");
}

std::optional<double> ParseNumber(std::string_view value) {
  if (value.empty() || value.size() > 64) return std::nullopt;
  // Decimal only: strtod would also take hex floats, "inf" and "nan".
  std::string_view digits = value;
  if (digits.starts_with('+')) digits.remove_prefix(1);
  if (digits.empty() || digits.front() == '+') return std::nullopt;
  double number = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number,
                                            std::chars_format::general);
  if (error != std::errc() || end != digits.data() + digits.size() || !std::isfinite(number)) {
    return std::nullopt;
  }
  return number;
}

bool IsValidNumber(std::string_view value) { return ParseNumber(value).has_value(); }

}  // namespace tessera::dicom
