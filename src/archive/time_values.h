#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera::archive {

// Normalised forms of DA, TM and DT values so that plain string comparison
// orders them and partial values ("10", "1030") compare by what they mean.

// Which end of a range a partial value stands for: "10" is 10:00:00.000000 as a
// lower bound and 10:59:59.999999 as an upper bound.
enum class Bound { kLow, kHigh };

// A stored DA value: "YYYYMMDD" (ACR-NEMA "YYYY.MM.DD" loses its dots). Lenient:
// whatever was received is kept, trimmed.
std::string StoredDate(std::string_view value);

// A stored TM value as "HHMMSS.FFFFFF", missing parts filled with zeros
// (ACR-NEMA "HH:MM:SS" loses its colons). Lenient; "" for "".
std::string StoredTime(std::string_view value);

// A stored DT value as "YYYYMMDDHHMMSS.FFFFFF" with missing parts at their
// lowest, the UTC offset dropped. Lenient; "" for "".
std::string StoredDateTime(std::string_view value);

// Query bounds, checked strictly. Errors: kInvalidArgument naming the value.
Result<std::string> DateBound(std::string_view value);
Result<std::string> TimeBound(std::string_view value, Bound bound);
Result<std::string> DateTimeBound(std::string_view value, Bound bound);

}  // namespace tessera::archive
