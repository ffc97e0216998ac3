#include "app/log_format.h"

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

namespace tessera::app {
namespace {

TEST(OneLineTest, EscapesControlCharactersAndKeepsTheRest) {
  EXPECT_EQ(OneLine("DIMSE Failed to send message\n0006:031d TCP I/O Error"),
            "DIMSE Failed to send message\\n0006:031d TCP I/O Error");
  EXPECT_EQ(OneLine("a\rb\tc\x01"
                    "d\x7F"),
            "a\\rb\\tc\\x01d\\x7F");
  EXPECT_EQ(OneLine("Müller^Hans 山田"), "Müller^Hans 山田");
  EXPECT_EQ(OneLine("a\u2028b\u2029c\u0085d"), "a\\u2028b\\u2029c\\u0085d");
  EXPECT_EQ(OneLine("\xC2"), "\xC2") << "a lone lead byte passes";
}

TEST(OneLineFormatterTest, WritesEachMessageAsOneLine) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(OneLineFormatter());
  logger.warn("peer said {}", "hello\n[2026-01-01 00:00:00.000] [info] forged");
  logger.info("plain");
  const std::string text = out.str();
  EXPECT_NE(text.find("peer said hello\\n[2026-01-01 00:00:00.000] [info] forged\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[info] plain\n"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

}  // namespace
}  // namespace tessera::app
