#include "web/assets.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tessera::web {
namespace {

namespace fs = std::filesystem;

const fs::path kWebDir = TESSERA_WEB_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// The files the build must embed: everything but build files, docs and tests.
std::set<std::string> ServedFilesOnDisk() {
  std::set<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(kWebDir)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = fs::relative(entry.path(), kWebDir).generic_string();
    const bool excluded = path == "CMakeLists.txt" || path == "README.md" ||
                          path.starts_with("cmake/") || path.starts_with("include/") ||
                          path.starts_with("tests/") || path.starts_with(".") ||
                          path.find("/.") != std::string::npos || path.ends_with("~");
    if (!excluded) files.insert(path);
  }
  return files;
}

const http::StaticAsset* Find(std::string_view path) {
  const auto assets = Assets();
  const auto it = std::find_if(assets.begin(), assets.end(),
                               [&](const http::StaticAsset& a) { return a.path == path; });
  return it == assets.end() ? nullptr : &*it;
}

// "lib/api.js" + "../css/x.css" → "css/x.css"; empty when it leaves the root.
std::string Resolve(std::string_view from_file, std::string_view relative) {
  fs::path base = fs::path(std::string(from_file)).parent_path();
  const fs::path joined = (base / std::string(relative)).lexically_normal();
  const std::string result = joined.generic_string();
  return result.starts_with("..") ? std::string() : result;
}

TEST(AssetsTest, EmbedsEveryServedFileByteForByte) {
  std::set<std::string> embedded;
  for (const auto& asset : Assets()) {
    embedded.insert(std::string(asset.path));
    EXPECT_EQ(asset.bytes, ReadFile(kWebDir / std::string(asset.path))) << asset.path;
  }
  EXPECT_EQ(embedded, ServedFilesOnDisk());
  for (const char* page : {"explorer.html", "auth/token.html", "auth/sign-in.html", "lib/api.js",
                           "lib/session.js", "lib/dicom-json.js", "css/base.css"}) {
    EXPECT_NE(Find(page), nullptr) << page;
  }
}

TEST(AssetsTest, TableIsSortedWithUniquePaths) {
  const auto assets = Assets();
  EXPECT_TRUE(std::is_sorted(assets.begin(), assets.end(),
                             [](const auto& a, const auto& b) { return a.path < b.path; }));
  EXPECT_EQ(std::adjacent_find(assets.begin(), assets.end(),
                               [](const auto& a, const auto& b) { return a.path == b.path; }),
            assets.end());
}

TEST(AssetsTest, ContentTypesFollowExtensions) {
  EXPECT_EQ(Find("explorer.html")->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Find("lib/api.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Find("css/base.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Find("icon.svg")->content_type, "image/svg+xml");
}

TEST(AssetsTest, EtagsAreQuotedAndDifferForDifferentContent) {
  std::set<std::string_view> etags;
  std::set<std::string_view> contents;
  for (const auto& asset : Assets()) {
    ASSERT_GE(asset.etag.size(), 3u) << asset.path;
    EXPECT_EQ(asset.etag.front(), '"') << asset.path;
    EXPECT_EQ(asset.etag.back(), '"') << asset.path;
    etags.insert(asset.etag);
    contents.insert(asset.bytes);
  }
  EXPECT_EQ(etags.size(), contents.size());
}

// The pages are served with CSP 'self': inline scripts, inline styles and
// inline event handlers would be blocked, so none may ship.
TEST(AssetsTest, HtmlHasNoInlineScriptStyleOrHandlers) {
  const std::regex inline_script(R"(<script(?![^>]*\bsrc=)[^>]*>)", std::regex::icase);
  const std::regex style_attribute(R"(<[^>]+\sstyle\s*=)", std::regex::icase);
  const std::regex style_element(R"(<style[\s>])", std::regex::icase);
  const std::regex handler(R"(<[^>]+\son[a-z]+\s*=)", std::regex::icase);
  for (const auto& asset : Assets()) {
    if (!asset.path.ends_with(".html")) continue;
    const std::string html(asset.bytes);
    EXPECT_FALSE(std::regex_search(html, inline_script)) << asset.path;
    EXPECT_FALSE(std::regex_search(html, style_attribute)) << asset.path;
    EXPECT_FALSE(std::regex_search(html, style_element)) << asset.path;
    EXPECT_FALSE(std::regex_search(html, handler)) << asset.path;
  }
}

// Every page resolves its files against the table root: the explorer lives at
// {appRoot}/explorer.html and the auth pages at {authRoot}/token and
// {authRoot}/sign-in with the table served under {authRoot}/ too.
TEST(AssetsTest, PagesAndModulesReferenceOnlyEmbeddedFiles) {
  const std::regex html_reference(R"re(\s(?:src|href)="([^"#:]+)")re");
  const std::regex js_import(R"re((?:from|import)\s*\(?\s*'(\.{1,2}/[^']+)')re");
  for (const auto& asset : Assets()) {
    const std::string text(asset.bytes);
    if (asset.path.ends_with(".html")) {
      for (auto it = std::sregex_iterator(text.begin(), text.end(), html_reference);
           it != std::sregex_iterator(); ++it) {
        const std::string target = (*it)[1];
        if (target.starts_with("../")) continue;  // links out of the table (to the explorer)
        EXPECT_NE(Find(target), nullptr) << asset.path << " refers to " << target;
      }
    }
    if (asset.path.ends_with(".js")) {
      for (auto it = std::sregex_iterator(text.begin(), text.end(), js_import);
           it != std::sregex_iterator(); ++it) {
        const std::string target = Resolve(asset.path, (*it)[1].str());
        EXPECT_NE(Find(target), nullptr) << asset.path << " imports " << (*it)[1];
      }
    }
  }
}

}  // namespace
}  // namespace tessera::web
