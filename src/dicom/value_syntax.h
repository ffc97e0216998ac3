#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace tessera::dicom {

// Syntax checks for DICOM values used as query keys (PS3.5 6.2), shared by
// QIDO-RS and C-FIND parsing.

// True when `value` is a valid single DA ("YYYYMMDD"), TM ("HH[MM[SS[.F{1,6}]]]")
// or DT ("YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]") value, by `vr`.
bool IsValidDateTimeValue(std::string_view vr, std::string_view value);

// Splits a range "low-high", "-high" or "low-" (PS3.4 C.2.2.2.5) of DA, TM or DT
// values into {low, high}, an open end empty, each checked with
// IsValidDateTimeValue. For DT the separating dash is told from a UTC offset's
// sign by position. Errors: kInvalidArgument.
Result<std::pair<std::string, std::string>> SplitRange(std::string_view vr, std::string_view value);

// A decimal number as IS and DS allow ("-1", "+2.5", "1e3"), finite; nullopt for
// anything else (hex floats, "inf", "nan", words, surrounding spaces).
std::optional<double> ParseNumber(std::string_view value);

// True when ParseNumber takes `value`.
bool IsValidNumber(std::string_view value);

}  // namespace tessera::dicom
