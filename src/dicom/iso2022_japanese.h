#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::dicom {

// True when a Specific Character Set value (backslash-separated) uses the
// Japanese ISO 2022 code extensions: ISO 2022 IR 87 (JIS X 0208) or IR 159
// (JIS X 0212). Debian's DCMTK cannot convert these with glibc iconv.
bool UsesJapaneseIso2022(std::string_view specific_character_set);

// Decodes DICOM ISO 2022 Japanese text (PS3.5 6.1.2.5, PS3.3 C.12.1.1.2) to UTF-8:
// ASCII (ESC ( B), JIS X 0201 Romaji (ESC ( J, read as ASCII) and Katakana
// (ESC ) I, or in G1 from the start when the first character set is ISO 2022
// IR 13), JIS X 0208 (ESC $ B, ESC $ @) and JIS X 0212 (ESC $ ( D). G0 returns
// to ASCII after CR, LF, FF and TAB. The '\', '^' and '=' delimiters do not reset
// it: PS3.5 6.1.2.5.3 makes the writer switch back before them, and inside a
// two-byte set their codes are halves of characters. nullopt for any other escape
// sequence or a byte the active sets do not define. Thread-safe.
std::optional<std::string> DecodeIso2022Japanese(std::string_view raw, bool katakana_in_g1);

}  // namespace tessera::dicom
