#include "http/cors.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::http {
namespace {

using Verdict = CorsPolicy::Verdict;

CorsPolicy Policy() {
  return CorsPolicy(CorsOptions{{"https://*.zhiva.ai", "http://localhost:*",
                                 "https://viewer.example.org", "http://10.0.0.5:3000"}});
}

TEST(CorsPolicyTest, MatchesWildcardSubdomains) {
  const CorsPolicy policy = Policy();
  EXPECT_TRUE(policy.IsAllowed("https://app.zhiva.ai"));
  EXPECT_TRUE(policy.IsAllowed("https://a.b.zhiva.ai"));
  EXPECT_TRUE(policy.IsAllowed("HTTPS://App.Zhiva.AI"));
  EXPECT_TRUE(policy.IsAllowed("https://app.zhiva.ai:443"));  // default port spelled out
  EXPECT_FALSE(policy.IsAllowed("https://zhiva.ai"));
  EXPECT_FALSE(policy.IsAllowed("http://app.zhiva.ai"));
  EXPECT_FALSE(policy.IsAllowed("https://app.zhiva.ai:8443"));
}

TEST(CorsPolicyTest, IsNotFooledByLookAlikes) {
  const CorsPolicy policy = Policy();
  for (const char* origin : {"https://evil.com/.zhiva.ai",
                             "https://zhiva.ai.evil.com",
                             "https://evilzhiva.ai",
                             "https://evil.com?.zhiva.ai",
                             "https://evil.com#.zhiva.ai",
                             "https://user@app.zhiva.ai",
                             "https://app.zhiva.ai.",
                             "https://app.zhiva.ai/",
                             "https://evil.com\\.zhiva.ai",
                             "https://app.zhiva.ai:443@evil.com",
                             "https://.zhiva.ai",
                             "https://evil.com%2F.zhiva.ai",
                             "https://viewer.example.org.evil.com",
                             "https://viewer.example.org:444",
                             "http://localhost.evil.com",
                             "http://localhost:80@evil.com",
                             "http://localhost:x",
                             "http://10.0.0.5:30000",
                             "null",
                             "",
                             "zhiva.ai",
                             "https://"}) {
    EXPECT_FALSE(policy.IsAllowed(origin)) << origin;
  }
}

TEST(CorsPolicyTest, MatchesAnyPortWildcard) {
  const CorsPolicy policy = Policy();
  EXPECT_TRUE(policy.IsAllowed("http://localhost:3000"));
  EXPECT_TRUE(policy.IsAllowed("http://localhost:8080"));
  EXPECT_TRUE(policy.IsAllowed("http://localhost"));
  EXPECT_FALSE(policy.IsAllowed("https://localhost:3000"));
  EXPECT_TRUE(policy.IsAllowed("http://10.0.0.5:3000"));
}

TEST(CorsPolicyTest, StarAllowsAnyOriginButNull) {
  const CorsPolicy any(CorsOptions{{"*"}});
  EXPECT_TRUE(any.IsAllowed("https://anything.example"));
  EXPECT_TRUE(any.IsAllowed("http://[::1]:8080"));
  EXPECT_FALSE(any.IsAllowed("null"));
  EXPECT_FALSE(any.IsAllowed("not an origin"));
  const CorsPolicy with_null(CorsOptions{{"null"}});
  EXPECT_TRUE(with_null.IsAllowed("null"));
}

TEST(CorsPolicyTest, EmptyListAllowsNothingForeign) {
  const CorsPolicy none(CorsOptions{});
  EXPECT_FALSE(none.IsAllowed("https://app.zhiva.ai"));
  EXPECT_EQ(none.Evaluate("https://pacs.local:8443", "https://pacs.local:8443"),
            Verdict::kSameOrigin);
  EXPECT_EQ(none.Evaluate("https://other.local", "https://pacs.local:8443"), Verdict::kRefused);
}

TEST(CorsPolicyTest, EvaluatesSameOriginAndMissingOrigin) {
  const CorsPolicy policy = Policy();
  EXPECT_EQ(policy.Evaluate("", "https://pacs.local"), Verdict::kNoOrigin);
  EXPECT_EQ(policy.Evaluate("https://pacs.local", "https://pacs.local"), Verdict::kSameOrigin);
  EXPECT_EQ(policy.Evaluate("https://PACS.local:443", "https://pacs.local"), Verdict::kSameOrigin);
  EXPECT_EQ(policy.Evaluate("http://pacs.local", "https://pacs.local"), Verdict::kRefused);
  EXPECT_EQ(policy.Evaluate("https://pacs.local:8443", "https://pacs.local"), Verdict::kRefused);
  EXPECT_EQ(policy.Evaluate("https://app.zhiva.ai", "https://pacs.local"), Verdict::kAllowed);
  EXPECT_EQ(policy.Evaluate("https://evil.com", "https://pacs.local"), Verdict::kRefused);
}

TEST(CorsPolicyTest, EvaluatesRequestsWithHostHeader) {
  const CorsPolicy policy = Policy();
  testing::StringBodyReader body("");
  Fields headers;
  headers.set("Host", "pacs.local:8443");
  headers.set("Origin", "https://pacs.local:8443");
  Request same(Verb::get, "GET", "/", headers, "1.2.3.4", /*secure=*/true, body);
  EXPECT_EQ(policy.Evaluate(same), Verdict::kSameOrigin);
  headers.set("Origin", "https://evil.com");
  Request evil(Verb::get, "GET", "/", headers, "1.2.3.4", /*secure=*/true, body);
  EXPECT_EQ(policy.Evaluate(evil), Verdict::kRefused);
}

TEST(CorsPolicyTest, PreflightAnswerEchoesOriginAndHeaders) {
  testing::StringBodyReader body("");
  Fields headers;
  headers.set("Origin", "https://app.zhiva.ai");
  headers.set("Access-Control-Request-Method", "POST");
  headers.set("Access-Control-Request-Headers", "authorization, content-type");
  Request request(Verb::options, "OPTIONS", "/x", headers, "1.2.3.4", true, body);
  ASSERT_TRUE(CorsPolicy::IsPreflight(request));
  const Response response = CorsPolicy::PreflightResponse(request);
  EXPECT_EQ(response.status, HttpStatus::no_content);
  EXPECT_EQ(response.headers["Access-Control-Allow-Origin"], "https://app.zhiva.ai");
  EXPECT_EQ(response.headers["Access-Control-Allow-Methods"],
            "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  EXPECT_EQ(response.headers["Access-Control-Allow-Headers"], "authorization, content-type");
  EXPECT_EQ(response.headers["Access-Control-Allow-Credentials"], "true");
  EXPECT_EQ(response.headers["Access-Control-Max-Age"], "600");
  EXPECT_NE(response.headers["Vary"].find("Origin"), std::string_view::npos);
}

TEST(CorsPolicyTest, PreflightDoesNotEchoSuspiciousHeaderLists) {
  testing::StringBodyReader body("");
  Fields headers;
  headers.set("Origin", "https://app.zhiva.ai");
  headers.set("Access-Control-Request-Method", "GET");
  headers.set("Access-Control-Request-Headers", "x\"; evil=1");
  Request request(Verb::options, "OPTIONS", "/x", headers, "1.2.3.4", true, body);
  EXPECT_EQ(CorsPolicy::PreflightResponse(request).headers["Access-Control-Allow-Headers"], "");
  Request not_preflight(Verb::options, "OPTIONS", "/x", Fields{}, "1.2.3.4", true, body);
  EXPECT_FALSE(CorsPolicy::IsPreflight(not_preflight));
}

TEST(CorsPolicyTest, ResponseHeadersExposeWhatViewersRead) {
  Fields headers;
  headers.set("Vary", "Accept");
  CorsPolicy::AddResponseHeaders("https://app.zhiva.ai", headers);
  EXPECT_EQ(headers["Access-Control-Allow-Origin"], "https://app.zhiva.ai");
  EXPECT_EQ(headers["Access-Control-Allow-Credentials"], "true");
  EXPECT_EQ(headers["Access-Control-Expose-Headers"],
            "Authorization, Content-Type, Content-Length, ETag, Warning, X-Total-Count, Location");
  EXPECT_EQ(headers["Vary"], "Accept, Origin");
}

TEST(CorsPolicyTest, RefusalIsForbiddenJson) {
  const Response refusal = CorsPolicy::Refusal();
  EXPECT_EQ(refusal.status, HttpStatus::forbidden);
  EXPECT_EQ(std::get<std::string>(refusal.body), "{\"message\": \"Origin not allowed\"}");
}

}  // namespace
}  // namespace tessera::http
