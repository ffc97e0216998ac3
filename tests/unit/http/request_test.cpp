#include "http/request.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::http {
namespace {

using testing::RunSync;
using testing::StringBodyReader;

class RequestTest : public ::testing::Test {
 protected:
  Request Make(std::string target, Fields headers = {}, bool secure = false) {
    return Request(Verb::get, "GET", std::move(target), std::move(headers), "127.0.0.1", secure,
                   body_);
  }
  StringBodyReader body_{""};
};

TEST_F(RequestTest, ParseTargetDecodesPathAndQuery) {
  Request request = Make("/zhiva/pacs/studies/1.2.3%2E4/series?limit=5&PatientName=A%5EB");
  ASSERT_TRUE(request.ParseTarget());
  EXPECT_EQ(request.path(), "/zhiva/pacs/studies/1.2.3.4/series");
  EXPECT_EQ(request.query().Get("limit"), "5");
  EXPECT_EQ(request.query().Get("PatientName"), "A^B");
}

TEST_F(RequestTest, ParseTargetKeepsPlusInPathButNotInQuery) {
  Request request = Make("/a+b?c=d+e");
  ASSERT_TRUE(request.ParseTarget());
  EXPECT_EQ(request.path(), "/a+b");
  EXPECT_EQ(request.query().Get("c"), "d e");
}

TEST_F(RequestTest, ParseTargetAcceptsAbsoluteForm) {
  Request request = Make("http://example.org:8042/studies?x=1");
  ASSERT_TRUE(request.ParseTarget());
  EXPECT_EQ(request.path(), "/studies");
  EXPECT_EQ(request.query().Get("x"), "1");
}

TEST_F(RequestTest, ParseTargetRejectsTraversalAndEncodedSeparators) {
  for (const char* target :
       {"/zhiva/app/..", "/zhiva/app/../../etc/passwd", "/a/./b", "/zhiva/app/%2e%2e/secret",
        "/zhiva/app/%2E%2E", "/a/%2e", "/zhiva/app/a%2Fb", "/zhiva/app/a%2fb", "/a/b%00c", "*",
        "relative/path", "/a%zz", "/a?b=%"}) {
    Request request = Make(target);
    EXPECT_FALSE(request.ParseTarget()) << target;
  }
}

TEST_F(RequestTest, ParseTargetAllowsDotsInsideSegments) {
  Request request = Make("/zhiva/app/lib/api.js/...x/.hidden");
  ASSERT_TRUE(request.ParseTarget());
  EXPECT_EQ(request.path(), "/zhiva/app/lib/api.js/...x/.hidden");
}

TEST_F(RequestTest, RedactedTargetHidesSecretParameters) {
  Request request = Make(
      "/auth/callback?code=abc123&state=xyz&next=%2Fhome&access_token=t0k&Token=T&"
      "refresh_token=r&password=hunter2&limit=3&valueless");
  EXPECT_EQ(request.RedactedTarget(),
            "/auth/callback?code=***&state=***&next=%2Fhome&access_token=***&Token=***&"
            "refresh_token=***&password=***&limit=3&valueless");
  EXPECT_EQ(Make("/plain/path").RedactedTarget(), "/plain/path");
  // An encoded parameter name is still recognised.
  EXPECT_EQ(Make("/x?%74oken=s").RedactedTarget(), "/x?%74oken=***");
}

TEST_F(RequestTest, HeaderLookupIsCaseInsensitive) {
  Fields headers;
  headers.set("Content-Type", "application/dicom");
  Request request = Make("/", std::move(headers));
  EXPECT_EQ(request.header("content-type"), "application/dicom");
  EXPECT_EQ(request.header("Accept"), "");
}

TEST_F(RequestTest, OriginUsesHostAndScheme) {
  Fields headers;
  headers.set("Host", "pacs.example.org:8443");
  EXPECT_EQ(Make("/", headers, /*secure=*/true).Origin(), "https://pacs.example.org:8443");
  EXPECT_EQ(Make("/", headers, /*secure=*/false).Origin(), "http://pacs.example.org:8443");
  Fields evil;
  evil.set("Host", "evil.com/\r\nX: y");
  EXPECT_EQ(Make("/", evil).Origin(), "http://localhost");
  EXPECT_EQ(Make("/").Origin(), "http://localhost");
}

TEST_F(RequestTest, ParamsReturnCaptures) {
  Request request = Make("/");
  request.set_params({{"study", "1.2"}, {"series", "3.4"}});
  EXPECT_EQ(request.param("study"), "1.2");
  EXPECT_EQ(request.param("series"), "3.4");
  EXPECT_EQ(request.param("instance"), "");
}

TEST(ReadAllTest, ReadsWholeBodyInSmallPieces) {
  const std::string text = testing::PatternBytes(100000);
  for (const bool declared : {true, false}) {
    StringBodyReader body(text, 333, declared);
    auto all = RunSync(ReadAll(body, 200000));
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, text);
  }
}

TEST(ReadAllTest, ReturnsTooLargePastTheLimit) {
  for (const bool declared : {true, false}) {
    StringBodyReader body(std::string(5000, 'x'), 1000, declared);
    auto all = RunSync(ReadAll(body, 4999));
    ASSERT_FALSE(all);
    EXPECT_EQ(all.error().code, ErrorCode::kTooLarge);
  }
  StringBodyReader exact(std::string(5000, 'x'), 1000, false);
  auto all = RunSync(ReadAll(exact, 5000));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 5000u);
}

TEST(ReadAllTest, EmptyBodyIsEmpty) {
  StringBodyReader body("");
  auto all = RunSync(ReadAll(body, 10));
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
}

}  // namespace
}  // namespace tessera::http
