#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera::dicom {

// Attribute names, tags and VRs from DCMTK's data dictionary (the standard
// dictionary plus DCMTK's private.dic), and UID syntax. All functions are
// thread-safe: DCMTK guards its dictionary with a reader/writer lock.

struct AttributeInfo {
  std::uint32_t tag = 0;  // (group << 16) | element
  std::string vr;         // a standard two-letter VR; "UN" when the tag is not in the dictionary
  std::string keyword;    // e.g. "PatientName"; empty when the tag is not in the dictionary
};

// Makes sure DCMTK's data dictionary is loaded. Debian's DCMTK loads
// /usr/share/libdcmtk17/dicom.dic on first use; when that failed (file moved, or a
// bad DCMDICTPATH) this loads the first dictionary found in the usual install
// folders, so nobody has to set environment variables. Idempotent and cheap
// after the first call. kInternal when no dictionary can be found.
Status EnsureDataDictionary();

// Looks up an attribute by keyword ("PatientName", case-sensitive as in PS3.6)
// or by tag written as 8 hex digits ("00100010", any case). A well-formed tag
// that the dictionary lacks (e.g. a private tag) still yields an AttributeInfo
// with vr "UN" and an empty keyword. nullopt for an unknown keyword or malformed tag.
std::optional<AttributeInfo> LookupAttribute(std::string_view keyword_or_tag);

// The dictionary keyword of `tag`, or "" when unknown. The view points into
// DCMTK's dictionary, which lives as long as the process.
std::string_view KeywordOf(std::uint32_t tag);

// The dictionary VR of `tag` as a standard VR name ("US" for "US or SS", "OW" for
// "OB or OW"), or "UN" when unknown.
std::string VrOf(std::uint32_t tag);

// PS3.5 9.1: 1 to 64 characters, digits and '.', no empty component, no leading
// zero in a multi-digit component.
bool IsValidUid(std::string_view uid);

// Formats `tag` as 8 upper-case hex digits, the DICOM JSON key form.
std::string TagToHex(std::uint32_t tag);

// Parses exactly 8 hex digits (any case); nullopt otherwise.
std::optional<std::uint32_t> ParseHexTag(std::string_view text);

}  // namespace tessera::dicom
