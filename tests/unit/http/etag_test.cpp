#include "http/etag.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

TEST(EtagTest, IfNoneMatchListsWeakTagsAndStar) {
  EXPECT_TRUE(EtagListMatches("\"a\"", "\"a\""));
  EXPECT_TRUE(EtagListMatches("\"x\", W/\"a\"", "\"a\""));
  EXPECT_TRUE(EtagListMatches(" * ", "\"a\""));
  EXPECT_TRUE(EtagListMatches("\"x\", *", "\"a\""));
  EXPECT_FALSE(EtagListMatches("\"x\"", "\"a\""));
  EXPECT_FALSE(EtagListMatches("a", "\"a\""));  // an unquoted tag is not the tag
  EXPECT_FALSE(EtagListMatches("", "\"a\""));
}

}  // namespace
}  // namespace tessera::http
