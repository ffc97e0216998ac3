#include "http/static_files.h"

#include <array>

#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::http {
namespace {

constexpr std::array<StaticAsset, 3> kAssets = {{
    {"index.html", "text/html; charset=utf-8", "<!doctype html><title>x</title>", "\"i1\""},
    {"lib/api.js", "text/javascript; charset=utf-8", "export const x = 1;", "\"a2\""},
    {"style.css", "text/css", "body{}", "\"s3\""},
}};

class StaticFilesTest : public ::testing::Test {
 protected:
  Response Get(std::string rest, std::string if_none_match = "") {
    Fields headers;
    if (!if_none_match.empty()) headers.set("If-None-Match", if_none_match);
    Request request(Verb::get, "GET", "/zhiva/app/" + rest, std::move(headers), "127.0.0.1", false,
                    body_);
    request.set_params({{"rest", rest}});
    return testing::RunSync(handler_(request));
  }

  testing::StringBodyReader body_{""};
  Handler handler_ = StaticFilesHandler(kAssets);
};

TEST_F(StaticFilesTest, ServesAssetByPath) {
  const Response response = Get("lib/api.js");
  EXPECT_EQ(response.status, HttpStatus::ok);
  EXPECT_EQ(std::get<std::string>(response.body), "export const x = 1;");
  EXPECT_EQ(response.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(response.headers["ETag"], "\"a2\"");
  EXPECT_EQ(response.headers["Cache-Control"], "no-cache");
  EXPECT_EQ(response.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(response.headers["Content-Security-Policy"], "");
}

TEST_F(StaticFilesTest, ServesIndexForEmptyRestWithCsp) {
  const Response response = Get("");
  EXPECT_EQ(response.status, HttpStatus::ok);
  EXPECT_EQ(std::get<std::string>(response.body), "<!doctype html><title>x</title>");
  const std::string_view csp = response.headers["Content-Security-Policy"];
  EXPECT_NE(csp.find("default-src 'self'"), std::string_view::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string_view::npos);
  EXPECT_NE(csp.find("frame-ancestors 'self'"), std::string_view::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string_view::npos);
}

TEST_F(StaticFilesTest, AnswersNotModifiedForMatchingEtag) {
  for (const char* tag : {"\"a2\"", "W/\"a2\"", "\"zz\", \"a2\"", "*"}) {
    const Response response = Get("lib/api.js", tag);
    EXPECT_EQ(response.status, HttpStatus::not_modified) << tag;
    EXPECT_EQ(std::get<std::string>(response.body), "") << tag;
    EXPECT_EQ(response.headers["ETag"], "\"a2\"");
    EXPECT_EQ(response.headers["Cache-Control"], "no-cache");
  }
  EXPECT_EQ(Get("lib/api.js", "\"old\"").status, HttpStatus::ok);
}

TEST_F(StaticFilesTest, UnknownAndTraversalPathsAreNotFound) {
  for (const char* rest : {"missing.js", "lib", "lib/", "../index.html", "lib/../style.css",
                           "/etc/passwd", "index.html/"}) {
    const Response response = Get(rest);
    EXPECT_EQ(response.status, HttpStatus::not_found) << rest;
    EXPECT_EQ(response.headers["Content-Type"], "application/json");
  }
}

TEST_F(StaticFilesTest, CustomIndexName) {
  Handler handler = StaticFilesHandler(kAssets, "style.css");
  Request request(Verb::get, "GET", "/zhiva/app/", Fields{}, "127.0.0.1", false, body_);
  request.set_params({{"rest", ""}});
  const Response response = testing::RunSync(handler(request));
  EXPECT_EQ(std::get<std::string>(response.body), "body{}");
}

}  // namespace
}  // namespace tessera::http
