#include "http/router.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) -> Awaitable<Response> {
    co_return Response::WithBody(HttpStatus::ok, name, "text/plain");
  };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Verb::get, "/zhiva/pacs/studies", Access::kRead, Named("studies"));
    router_.Add(Verb::post, "/zhiva/pacs/studies", Access::kWrite, Named("stow"));
    router_.Add(Verb::get, "/zhiva/pacs/studies/{study}", Access::kRead, Named("study"));
    router_.Add(Verb::get, "/zhiva/pacs/studies/{study}/metadata", Access::kRead,
                Named("metadata"));
    router_.Add(Verb::get, "/zhiva/pacs/studies/{study}/series/{series}", Access::kRead,
                Named("series"));
    router_.Add(Verb::get, "/zhiva/pacs/studies/special", Access::kPublic, Named("special"));
    router_.Add(Verb::delete_, "/zhiva/pacs/studies/{study}", Access::kWrite, Named("delete"));
    router_.Add(Verb::get, "/zhiva/app/{*rest}", Access::kPublic, Named("static"));
    router_.Add(Verb::head, "/zhiva/head-only", Access::kPublic, Named("head"));
    router_.Add(Verb::get, "/", Access::kPublic, Named("root"));
  }

  std::string_view PatternOf(const Router::Match& match) {
    return match.route == nullptr ? std::string_view("<none>") : match.route->pattern;
  }

  Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoutesByMethod) {
  EXPECT_EQ(PatternOf(router_.Find(Verb::get, "/zhiva/pacs/studies")), "/zhiva/pacs/studies");
  const auto post = router_.Find(Verb::post, "/zhiva/pacs/studies");
  ASSERT_NE(post.route, nullptr);
  EXPECT_EQ(post.route->method, Verb::post);
  EXPECT_EQ(post.route->access, Access::kWrite);
  EXPECT_EQ(PatternOf(router_.Find(Verb::get, "/")), "/");
}

TEST_F(RouterTest, CapturesSegments) {
  const auto match = router_.Find(Verb::get, "/zhiva/pacs/studies/1.2.3/series/4.5.6");
  ASSERT_NE(match.route, nullptr);
  ASSERT_EQ(match.params.size(), 2u);
  EXPECT_EQ(match.params[0], (std::pair<std::string, std::string>{"study", "1.2.3"}));
  EXPECT_EQ(match.params[1], (std::pair<std::string, std::string>{"series", "4.5.6"}));
}

TEST_F(RouterTest, LiteralSegmentsWinOverCaptures) {
  EXPECT_EQ(PatternOf(router_.Find(Verb::get, "/zhiva/pacs/studies/special")),
            "/zhiva/pacs/studies/special");
  EXPECT_EQ(PatternOf(router_.Find(Verb::get, "/zhiva/pacs/studies/special2")),
            "/zhiva/pacs/studies/{study}");
}

TEST_F(RouterTest, LiteralWinsRegardlessOfRegistrationOrder) {
  Router router;
  router.Add(Verb::get, "/a/{x}/c", Access::kPublic, Named("capture"));
  router.Add(Verb::get, "/a/b/{y}", Access::kPublic, Named("literal-first"));
  EXPECT_EQ(router.Find(Verb::get, "/a/b/c").route->pattern, "/a/b/{y}");
}

TEST_F(RouterTest, RestCapturesRemainingPath) {
  const auto match = router_.Find(Verb::get, "/zhiva/app/lib/components/table.js");
  ASSERT_NE(match.route, nullptr);
  ASSERT_EQ(match.params.size(), 1u);
  EXPECT_EQ(match.params[0].first, "rest");
  EXPECT_EQ(match.params[0].second, "lib/components/table.js");
  const auto index = router_.Find(Verb::get, "/zhiva/app/");
  ASSERT_NE(index.route, nullptr);
  EXPECT_EQ(index.params[0].second, "");
  EXPECT_EQ(router_.Find(Verb::get, "/zhiva/app").route, nullptr);
}

TEST_F(RouterTest, EmptyCaptureDoesNotMatch) {
  EXPECT_EQ(router_.Find(Verb::get, "/zhiva/pacs/studies//metadata").route, nullptr);
}

TEST_F(RouterTest, GetRoutesAnswerHead) {
  const auto match = router_.Find(Verb::head, "/zhiva/pacs/studies/1.2");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/zhiva/pacs/studies/{study}");
  EXPECT_EQ(match.route->method, Verb::get);
  EXPECT_EQ(router_.Find(Verb::head, "/zhiva/head-only").route->method, Verb::head);
  EXPECT_EQ(router_.Find(Verb::get, "/zhiva/head-only").route, nullptr);
}

TEST_F(RouterTest, ReportsAllowedMethodsWhenOnlyTheMethodDiffers) {
  const auto match = router_.Find(Verb::put, "/zhiva/pacs/studies/1.2");
  EXPECT_EQ(match.route, nullptr);
  const auto& allowed = match.allowed;
  EXPECT_NE(std::find(allowed.begin(), allowed.end(), Verb::get), allowed.end());
  EXPECT_NE(std::find(allowed.begin(), allowed.end(), Verb::head), allowed.end());
  EXPECT_NE(std::find(allowed.begin(), allowed.end(), Verb::delete_), allowed.end());
  EXPECT_EQ(std::find(allowed.begin(), allowed.end(), Verb::post), allowed.end());
}

TEST_F(RouterTest, UnknownPathHasNoMatchAndNoAllowedMethods) {
  const auto match = router_.Find(Verb::get, "/nothing/here");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.allowed.empty());
  EXPECT_EQ(router_.Find(Verb::get, "/zhiva/pacs/studies/1/series").route, nullptr);
  EXPECT_EQ(router_.Find(Verb::get, "/zhiva/pacs/studies/1/series/2/extra").route, nullptr);
}

}  // namespace
}  // namespace tessera::http
