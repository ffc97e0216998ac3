#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "archive/query.h"

namespace tessera::archive {

// How an indexed attribute is stored, which decides how it is matched and returned.
enum class ColumnKind {
  kText,        // TEXT, the values joined by '\'
  kUid,         // TEXT
  kPersonName,  // <column> Alphabetic, <column>_folded, <column>_json (see schema.cpp)
  kDate,        // TEXT "YYYYMMDD"
  kTime,        // <column> as received, <column>_norm "HHMMSS.FFFFFF"
  kInteger,     // INTEGER (IS, US)
  kCount,       // INTEGER kept by the index writer (Number of ... Related ...)
  kList,        // TEXT derived from lower levels, values joined by '\'
  kConstant,    // the same for every record: `column` is its SQL literal
};

// An attribute the index keeps in a column of its level's table.
struct IndexedAttribute {
  Tag tag;
  std::string_view vr;
  QueryLevel level;         // the level the attribute describes
  std::string_view column;  // in that level's table; patient ones are in studies too
  ColumnKind kind;
};

// True for the kinds filled from the instance's data set (not counts, lists or constants).
inline bool FromInstance(const IndexedAttribute& a) {
  return a.kind != ColumnKind::kCount && a.kind != ColumnKind::kList &&
         a.kind != ColumnKind::kConstant;
}

// Every indexed attribute, patients first, then studies, series and instances.
std::span<const IndexedAttribute> IndexedAttributes();

// The indexed attribute for `tag`, or nullptr.
const IndexedAttribute* FindIndexedAttribute(Tag tag);

// The DICOM JSON key of `tag`: 8 upper-case hex digits.
std::string TagKey(Tag tag);

// The VR to report for `tag`: the indexed one, else the data dictionary's.
std::string VrOfTag(Tag tag);

}  // namespace tessera::archive
