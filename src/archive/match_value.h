#pragma once

#include <string_view>

#include "archive/query.h"
#include "base/result.h"

namespace tessera::archive {

// How a query key's value asks to be matched (PS3.4 C.2.2.2, PS3.18 8.3.4),
// shared by QIDO-RS parameters and C-FIND identifiers:
// - empty or "*": universal (the attribute is returned, nothing is filtered);
// - DA, TM, DT: one value or a range "low-high" (either end open);
// - UI: one UID or a list; never wildcards;
// - numbers: one value;
// - other text: '*' / '?' wildcards, or for CS a list of values, or one value.
// `vr` is the attribute's VR; `list_separators` the characters that separate
// value lists (QIDO accepts ',' and '\', C-FIND '\'). List items are trimmed of
// padding. Errors: kInvalidArgument with a message about the value; the caller
// adds the attribute's name.
Result<Condition> ParseMatchValue(Tag tag, std::string_view vr, std::string_view value,
                                  std::string_view list_separators);

}  // namespace tessera::archive
