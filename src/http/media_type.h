#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace tessera::http {

// A parsed media type (RFC 9110 8.3.1), e.g. `multipart/related; type="application/dicom"`.
struct MediaType {
  std::string type;     // lower-case; "*" in a wildcard range
  std::string subtype;  // lower-case; "*" in a wildcard range
  // In the order received; names lower-case, values unquoted and unescaped.
  std::vector<std::pair<std::string, std::string>> parameters;

  // The value of the first parameter named `name` (case-insensitive).
  std::optional<std::string_view> Parameter(std::string_view name) const;
  // "type/subtype", lower-case.
  std::string Essence() const;
  // True when type and subtype equal `type` and `subtype` (case-insensitive).
  bool Is(std::string_view type, std::string_view subtype) const;
  // True for a structured-syntax JSON type: application/json or any "+json" subtype.
  bool IsJson() const;
};

// Parses one media type. Lenient as real clients are: optional whitespace
// anywhere, quoted or bare parameter values, "*" for "*/*", an unterminated
// quoted value runs to the end. Errors: kInvalidArgument without a type/subtype
// made of token characters.
Result<MediaType> ParseMediaType(std::string_view text);

// Parses `; name=value; name="quoted"` parameter lists (the syntax shared by
// Content-Type and Content-Disposition). `text` starts at or before the first ';'.
// Names are lower-cased; parameters without a name are skipped.
std::vector<std::pair<std::string, std::string>> ParseParameters(std::string_view text);

// One range of an Accept header.
struct MediaRange {
  MediaType media_type;  // without the q parameter
  double quality = 1.0;  // 0..1; 0 means "not acceptable"
  // Position in the header, for stable ordering.
  std::size_t position = 0;

  // How specific the range is: 0 for */*, 1 for type/*, 2 for type/subtype,
  // plus the number of parameters.
  std::size_t Specificity() const;
  // True when the range covers `type` by type and subtype (wildcards allowed).
  // Parameters are not compared; negotiation code inspects them itself.
  bool Covers(const MediaType& type) const;
};

// Parses an Accept header into its ranges, most preferred first: by quality,
// then specificity, then order of appearance. Ranges that cannot be parsed are
// skipped and a malformed q is ignored (treated as 1). An empty header yields
// an empty list (the caller decides what that means, usually "*/*").
std::vector<MediaRange> ParseAccept(std::string_view header);

}  // namespace tessera::http
