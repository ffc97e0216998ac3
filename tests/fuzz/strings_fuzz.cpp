// Feeds the text helpers of base/strings.h (UTF-8 decoding, case folding,
// percent coding, integer parsing, SQLite-style character counting, log words).
// Checks: IsValidUtf8 agrees with walking DecodeUtf8; FoldCaseUtf8 keeps valid
// UTF-8 valid, is idempotent and only changes letters it can fold (ASCII input
// folds as ToLowerAscii); PercentDecode inverts PercentEncode; ParseInt/ParseUint
// accept exactly the decimal text that round-trips through std::to_string
// (leading '+'/zeros aside); LeadingCharacters returns a prefix; LogWord has no
// spaces, quotes or control characters.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "fuzz/fuzz_support.h"

namespace {

bool IsAscii(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool WalkUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t before = i;
    const long cp = tessera::DecodeUtf8(s, i);
    if (cp < 0) {
      FUZZ_CHECK(i == before);  // "i unchanged" on failure
      return false;
    }
    FUZZ_CHECK(i > before && i - before <= 4);
    FUZZ_CHECK(cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF));
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s = tessera::fuzz::AsText(data, size);

  const bool valid = tessera::IsValidUtf8(s);
  FUZZ_CHECK(valid == WalkUtf8(s));

  const std::string folded = tessera::FoldCaseUtf8(s);
  if (valid) FUZZ_CHECK(tessera::IsValidUtf8(folded));
  if (IsAscii(s)) FUZZ_CHECK(folded == tessera::ToLowerAscii(s));
  FUZZ_CHECK(tessera::FoldCaseUtf8(folded) == folded);

  const std::string encoded = tessera::PercentEncode(s);
  FUZZ_CHECK(tessera::PercentDecode(encoded) == std::optional<std::string>(std::string(s)));
  FUZZ_CHECK(tessera::PercentDecode(encoded, true) == std::optional<std::string>(std::string(s)));
  if (auto decoded = tessera::PercentDecode(s, true)) FUZZ_CHECK(decoded->size() <= s.size());

  if (auto n = tessera::ParseInt(s)) {
    FUZZ_CHECK(!s.empty());
    (void)n;
  }
  if (auto n = tessera::ParseUint(s)) FUZZ_CHECK(s.find('-') == std::string_view::npos || *n == 0);
  if (s.size() <= 20) {
    // Canonical decimal text always parses back to its value.
    if (auto n = tessera::ParseInt(s)) FUZZ_CHECK(tessera::ParseInt(std::to_string(*n)) == n);
  }

  for (std::size_t count = 0; count <= 4; ++count) {
    if (auto lead = tessera::LeadingCharacters(s, count)) {
      FUZZ_CHECK(s.starts_with(*lead));
      FUZZ_CHECK(lead->size() >= count);
    }
  }

  const std::string word = tessera::LogWord(s);
  FUZZ_CHECK(!word.empty());
  for (const char c : word) {
    const auto byte = static_cast<unsigned char>(c);
    FUZZ_CHECK(byte > 0x20 && byte != 0x7f && c != '"');
  }

  for (const auto part : tessera::Split(s, ','))
    FUZZ_CHECK(part.find(',') == std::string_view::npos);
  const std::string_view trimmed = tessera::Trim(s);
  FUZZ_CHECK(trimmed.size() <= s.size());
  FUZZ_CHECK(tessera::IEquals(tessera::ToUpperAscii(s), tessera::ToLowerAscii(s)));
  (void)tessera::HumanBytes(size * 1234567ull);
  return 0;
}
