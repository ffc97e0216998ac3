#include "app/log_format.h"

#include <algorithm>
#include <cstdio>

#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>

namespace tessera::app {
namespace {

bool IsControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

// Bytes that begin a control character or a Unicode line break (see OneLine).
bool NeedsEscaping(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return IsControl(c) || byte == 0xC2 || byte == 0xE2;
}

class OneLineFormatterImpl final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (std::none_of(payload.begin(), payload.end(), NeedsEscaping)) {
      inner_.format(msg, dest);
      return;
    }
    const std::string clean = OneLine(payload);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(clean.data(), clean.size());
    inner_.format(copy, dest);
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<OneLineFormatterImpl>();
  }

 private:
  spdlog::pattern_formatter inner_;
};

}  // namespace

std::string OneLine(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    // U+0085, U+2028 and U+2029 (C2 85, E2 80 A8/A9): line breaks to some viewers.
    const std::string_view rest = message.substr(i);
    if (rest.starts_with("\xC2\x85") || rest.starts_with("\xE2\x80\xA8") ||
        rest.starts_with("\xE2\x80\xA9")) {
      const bool nel = rest[0] == '\xC2';
      out += nel ? "\\u0085" : rest[2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += nel ? 1 : 2;
      continue;
    }
    if (!IsControl(c)) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02X", static_cast<unsigned char>(c));
      out += escaped;
    }
  }
  return out;
}

std::unique_ptr<spdlog::formatter> OneLineFormatter() {
  return std::make_unique<OneLineFormatterImpl>();
}

}  // namespace tessera::app
