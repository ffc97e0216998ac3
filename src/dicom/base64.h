#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::dicom {

// RFC 4648 §4 base64 with padding, as DICOM JSON InlineBinary uses.
std::string Base64Encode(std::string_view bytes);

// Decodes padded or unpadded base64; ASCII whitespace is ignored. nullopt on any
// other character outside the alphabet or a dangling single character.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace tessera::dicom
