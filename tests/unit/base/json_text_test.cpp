#include "base/json_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tessera {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

// nlohmann::json's own output, which the DOM-based code produced before.
std::string Reference(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonTextTest, EscapesWhatJsonRequires) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Quoted("line\nfeed\ttab\r\b\f"), R"("line\nfeed\ttab\r\b\f")");
  EXPECT_EQ(Quoted(std::string_view("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(Quoted(""), "\"\"");
}

TEST(JsonTextTest, MatchesNlohmannForValidAndInvalidUtf8) {
  const std::string samples[] = {
      "Doe^John",
      "M\xC3\xBCller^J\xC3\xBCrgen",            // ü
      "\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA",  // 山田^太
      "\xF0\x9F\x98\x80 emoji",                 // 4-byte sequence
      "bad \xFF byte",
      "cut \xE5\xB1",                           // truncated sequence
      "overlong \xC0\xAF and \xE0\x80\xAF",
      "surrogate \xED\xA0\x80",
      "above \xF4\x90\x80\x80",
      std::string("nul\0inside", 10),
  };
  for (const auto& sample : samples) {
    EXPECT_EQ(Quoted(sample), Reference(sample)) << sample;
    EXPECT_TRUE(nlohmann::json::accept(Quoted(sample))) << sample;
  }
}

}  // namespace
}  // namespace tessera
