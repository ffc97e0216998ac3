#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

// Small text helpers with no locale dependence (ASCII only unless stated).

std::string_view Trim(std::string_view s);
std::string_view TrimRight(std::string_view s, std::string_view chars = " \t\r\n");
std::vector<std::string_view> Split(std::string_view s, char separator);
bool IEquals(std::string_view a, std::string_view b);
bool IStartsWith(std::string_view s, std::string_view prefix);
std::string ToLowerAscii(std::string_view s);
std::string ToUpperAscii(std::string_view s);

// Parses a whole decimal integer; nullopt on any stray character or overflow.
std::optional<std::int64_t> ParseInt(std::string_view s);
std::optional<std::uint64_t> ParseUint(std::string_view s);

// Decodes %XX escapes (and '+' as space when `plus_is_space`). Returns nullopt for a
// malformed escape. The result is raw bytes (UTF-8 when the client sent UTF-8).
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space = false);

// Escapes everything outside RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view s);

// True when `s` is valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);
// Decodes one UTF-8 sequence at s[i]: returns its code point and advances i past
// it, or -1 (i unchanged) for a malformed, overlong or surrogate sequence.
// REQUIRES: i < s.size().
long DecodeUtf8(std::string_view s, std::size_t& i);

// Lower-cases ASCII, Latin-1 Supplement, Latin Extended-A, Greek (accented
// capitals too, and final sigma as σ, like Unicode's case folding) and Cyrillic
// letters in UTF-8 text; other code points pass through. Enough for the
// case-insensitive person-name matching DICOM archives are asked for. The index
// stores folded names: a change here needs a migration that folds them again
// (archive/schema.cpp).
std::string FoldCaseUtf8(std::string_view s);

// `text` as one space-separated field of a log line: "-" when empty; spaces,
// quotes, percent signs and control characters %-escaped, other UTF-8 kept
// readable. For names a client chose (a user), which must not forge lines.
std::string LogWord(std::string_view text);

// The first `count` characters of `s` as SQLite's substr() counts them in text
// (a byte of 0xC0 or more starts a character that takes the 0x80-0xBF bytes
// after it; any other byte is one character); nullopt when `s` has fewer.
std::optional<std::string_view> LeadingCharacters(std::string_view s, std::size_t count);

// A size for people, in binary units: "512 bytes", "4.5 KiB", "312 MiB", "1.2 TiB".
std::string HumanBytes(std::uint64_t bytes);

}  // namespace tessera
