#include "http/response.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

TEST(ResponseTest, WarningKeepsClientBytesInsideOneQuotedLine) {
  Fields headers;
  AddWarning(headers, "part 1 is text/plain\rX-Injected: yes\n\x01 \"q\" \\ caf\xC3\xA9");
  EXPECT_EQ(headers["Warning"],
            "299 tessera \"part 1 is text/plain X-Injected: yes  \x20\\\"q\\\" \\\\ caf??\"");
  AddWarning(headers, "second");
  int count = 0;
  for (const auto& field : headers) count += field.name_string() == "Warning" ? 1 : 0;
  EXPECT_EQ(count, 2);
}

}  // namespace
}  // namespace tessera::http
