#include "auth/url_origin.h"

#include <gtest/gtest.h>

namespace tessera::auth {
namespace {

TEST(UrlOriginTest, SerialisesLikeTheOriginHeader) {
  EXPECT_EQ(OriginOf("https://viewer.zhiva.ai/some/path?q=1"), "https://viewer.zhiva.ai");
  EXPECT_EQ(OriginOf("HTTPS://Viewer.Zhiva.AI"), "https://viewer.zhiva.ai");
  EXPECT_EQ(OriginOf("https://viewer.example:443/"), "https://viewer.example");
  EXPECT_EQ(OriginOf("http://localhost:80"), "http://localhost");
  EXPECT_EQ(OriginOf("http://localhost:3000#x"), "http://localhost:3000");
  EXPECT_EQ(OriginOf("https://[::1]:8443/x"), "https://[::1]:8443");
  EXPECT_EQ(OriginOf("https://192.168.1.5:8443"), "https://192.168.1.5:8443");
  EXPECT_EQ(OriginOf("https://host:08443"), "https://host:8443");
}

TEST(UrlOriginTest, RefusesNonHttpAndTrickyUrls) {
  EXPECT_FALSE(OriginOf("javascript:alert(1)"));
  EXPECT_FALSE(OriginOf("ftp://host/"));
  EXPECT_FALSE(OriginOf("/relative"));
  EXPECT_FALSE(OriginOf("https://"));
  EXPECT_FALSE(OriginOf("https://user:pw@viewer.zhiva.ai/"));
  EXPECT_FALSE(OriginOf("https://host:99999/"));
  EXPECT_FALSE(OriginOf("https://host:0/"));
  EXPECT_FALSE(OriginOf("https://ho st/"));
  EXPECT_FALSE(OriginOf("https://[::1/"));
  EXPECT_EQ(OriginOf("https://evil.example\\@viewer.zhiva.ai/"), "https://evil.example");
}

}  // namespace
}  // namespace tessera::auth
