#include "base/json_text.h"

#include <cstdint>

namespace tessera {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

struct Utf8Sequence {
  std::size_t length = 1;  // bytes it covers
  bool valid = false;
};

// The UTF-8 sequence at the start of `text` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF). An invalid one covers its maximal valid
// prefix (at least one byte), which becomes one U+FFFD (Unicode's "maximal
// subpart" practice, as nlohmann::json does).
Utf8Sequence SequenceAt(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) return {1, true};
  std::size_t needed = 0;
  std::uint8_t second_low = 0x80;
  std::uint8_t second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    needed = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    needed = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong
    if (lead == 0xED) second_high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    needed = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong
    if (lead == 0xF4) second_high = 0x8F;  // above U+10FFFF
  } else {
    return {1, false};
  }
  std::size_t length = 1;
  while (length < needed && length < text.size()) {
    const std::uint8_t next = byte(length);
    const std::uint8_t low = length == 1 ? second_low : 0x80;
    const std::uint8_t high = length == 1 ? second_high : 0xBF;
    if (next < low || next > high) break;
    ++length;
  }
  return {length, length == needed};
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  while (!text.empty()) {
    const char c = text.front();
    const auto byte = static_cast<std::uint8_t>(c);
    if (byte >= 0x80) {
      const Utf8Sequence sequence = SequenceAt(text);
      if (sequence.valid) {
        out.append(text.substr(0, sequence.length));
      } else {
        out += kReplacement;
      }
      text.remove_prefix(sequence.length);
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xF];
        } else {
          out += c;
        }
    }
    text.remove_prefix(1);
  }
  out += '"';
}

}  // namespace tessera
