#include "http/directory_files.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "test_server.h"
#include "test_support.h"

namespace tessera::http {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFile;

constexpr std::string_view kHashedBundle = "app.bundle.0f6159c501addfe9.js";

// The bytes a response would send: string segments as they are, file ranges read from disk.
std::string BodyOf(const Response& response) {
  if (const auto* text = std::get_if<std::string>(&response.body)) return *text;
  std::string out;
  for (const Segment& segment : std::get<Segments>(response.body)) {
    if (const auto* text = std::get_if<std::string>(&segment)) {
      out += *text;
      continue;
    }
    const auto& range = std::get<FileRange>(segment);
    std::ifstream in(range.path, std::ios::binary);
    std::string bytes(range.length, '\0');
    in.seekg(static_cast<std::streamoff>(range.offset));
    in.read(bytes.data(), static_cast<std::streamsize>(range.length));
    EXPECT_EQ(static_cast<std::uint64_t>(in.gcount()), range.length) << range.path;
    out += bytes;
  }
  return out;
}

std::size_t FileRangeCount(const Response& response) {
  const auto* segments = std::get_if<Segments>(&response.body);
  if (segments == nullptr) return 0;
  return static_cast<std::size_t>(
      std::count_if(segments->begin(), segments->end(),
                    [](const Segment& s) { return std::holds_alternative<FileRange>(s); }));
}

class DirectoryFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root() / "assets");
    WriteFile(root() / "index.html", "<!doctype html><script src=\"/app.js\"></script>");
    WriteFile(root() / "app.js", "console.log('app');");
    WriteFile(root() / std::string(kHashedBundle), "bundle");
    WriteFile(root() / "assets" / "logo.svg", "<svg/>");
    WriteFile(root() / "codec.wasm", std::string("\0asm", 4));
    WriteFile(root() / ".env", "SECRET=1");
    WriteFile(dir_.path() / "secret.txt", "top secret");
  }

  fs::path root() const { return dir_.path() / "www"; }

  std::shared_ptr<DirectoryFiles> Open(DirectoryFilesOptions options = {}) {
    if (options.root.empty()) options.root = root();
    auto files = DirectoryFiles::Open(std::move(options), pool_);
    EXPECT_TRUE(files) << (files ? "" : files.error().message);
    return files ? *files : nullptr;
  }

  Response Get(DirectoryFiles& files, std::string relative, Fields headers = {}) {
    Request request(Verb::get, "GET", "/viewer/" + relative, std::move(headers), "127.0.0.1", false,
                    body_);
    return testing::RunSync(files.Serve(relative, request));
  }

  TempDir dir_;
  BlockingPool pool_{2};
  testing::StringBodyReader body_{""};
};

TEST_F(DirectoryFilesTest, ServesFileAsFileRangeWithHeaders) {
  auto files = Open();
  const Response response = Get(*files, "app.js");
  ASSERT_EQ(response.status, HttpStatus::ok);
  EXPECT_EQ(BodyOf(response), "console.log('app');");
  EXPECT_EQ(FileRangeCount(response), 1u) << "sent from disk, not copied into memory";
  EXPECT_EQ(response.BodySize(), 19u);
  EXPECT_EQ(response.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(response.headers["Cache-Control"], "no-cache");
  EXPECT_EQ(response.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(response.headers["Content-Security-Policy"], "");
  EXPECT_FALSE(response.headers["ETag"].empty());

  const Response nested = Get(*files, "assets/logo.svg");
  EXPECT_EQ(nested.status, HttpStatus::ok);
  EXPECT_EQ(BodyOf(nested), "<svg/>");
  EXPECT_EQ(nested.headers["Content-Type"], "image/svg+xml");
}

TEST_F(DirectoryFilesTest, ServesIndexForEmptyPathWithConfiguredPolicy) {
  DirectoryFilesOptions options;
  options.html_security_policy = "frame-ancestors 'self'";
  auto files = Open(std::move(options));
  const Response response = Get(*files, "");
  ASSERT_EQ(response.status, HttpStatus::ok);
  EXPECT_EQ(BodyOf(response), "<!doctype html><script src=\"/app.js\"></script>");
  EXPECT_EQ(response.headers["Content-Type"], "text/html; charset=utf-8");
  EXPECT_EQ(response.headers["Content-Security-Policy"], "frame-ancestors 'self'");
  EXPECT_EQ(Get(*files, "app.js").headers["Content-Security-Policy"], "");
}

TEST_F(DirectoryFilesTest, HashedNamesAreCachedForAYear) {
  auto files = Open();
  const Response response = Get(*files, std::string(kHashedBundle));
  EXPECT_EQ(response.headers["Cache-Control"], "public, max-age=31536000, immutable");
  EXPECT_TRUE(DirectoryFiles::IsHashedName("0ddf166f7a343eda.wasm"));
  EXPECT_TRUE(DirectoryFiles::IsHashedName("a34f9d1faa5f3315.woff2"));
  EXPECT_FALSE(DirectoryFiles::IsHashedName("1602.css"));
  EXPECT_FALSE(DirectoryFiles::IsHashedName("index.html"));
  EXPECT_FALSE(DirectoryFiles::IsHashedName("0ddf166f7a343eda"));  // only an extension-less name
  EXPECT_FALSE(DirectoryFiles::IsHashedName("app.bundle.0f6159c5zz.js"));
}

TEST_F(DirectoryFilesTest, ContentTypesFollowTheExtension) {
  const std::pair<const char*, const char*> cases[] = {
      {"a.js", "text/javascript; charset=utf-8"},
      {"a.mjs", "text/javascript; charset=utf-8"},
      {"a.css", "text/css; charset=utf-8"},
      {"a.html", "text/html; charset=utf-8"},
      {"a.json", "application/json"},
      {"a.js.map", "application/json"},
      {"a.wasm", "application/wasm"},
      {"a.svg", "image/svg+xml"},
      {"a.png", "image/png"},
      {"favicon.ico", "image/x-icon"},
      {"a.woff2", "font/woff2"},
      {"a.txt", "text/plain; charset=utf-8"},
      {"A.PNG", "image/png"},
      {"a.unknown", "application/octet-stream"},
      {"Makefile", "application/octet-stream"},
  };
  for (const auto& [name, type] : cases) {
    EXPECT_EQ(DirectoryFiles::ContentTypeFor(name), type) << name;
  }
  auto files = Open();
  EXPECT_EQ(Get(*files, "codec.wasm").headers["Content-Type"], "application/wasm");
}

TEST_F(DirectoryFilesTest, AnswersNotModifiedUntilTheFileChanges) {
  auto files = Open();
  const std::string etag(Get(*files, "app.js").headers["ETag"]);
  for (const std::string& tag : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    Fields headers;
    headers.set("If-None-Match", tag);
    const Response response = Get(*files, "app.js", std::move(headers));
    EXPECT_EQ(response.status, HttpStatus::not_modified) << tag;
    EXPECT_EQ(response.headers["ETag"], etag);
    EXPECT_EQ(response.BodySize(), 0u);
  }

  WriteFile(root() / "app.js", "console.log('app, version 2');");
  Fields headers;
  headers.set("If-None-Match", etag);
  const Response changed = Get(*files, "app.js", std::move(headers));
  EXPECT_EQ(changed.status, HttpStatus::ok);
  EXPECT_NE(changed.headers["ETag"], etag);
  EXPECT_EQ(BodyOf(changed), "console.log('app, version 2');");
}

TEST_F(DirectoryFilesTest, PathsOutsideTheRootAreNotFound) {
  auto files = Open();
  for (const char* path :
       {"../secret.txt", "assets/../../secret.txt", "..", ".", "./app.js", "assets/./logo.svg",
        "%2e%2e/secret.txt", "..%2fsecret.txt", "/etc/passwd", "//etc/passwd", "assets//logo.svg",
        ".env", "assets/", "app.js/"}) {
    const Response response = Get(*files, path);
    EXPECT_EQ(response.status, HttpStatus::not_found) << path;
    EXPECT_EQ(BodyOf(response).find("secret"), std::string::npos) << path;
  }
  EXPECT_EQ(Get(*files, std::string("app.js\0.txt", 11)).status, HttpStatus::not_found);
}

TEST_F(DirectoryFilesTest, SymbolicLinksBelowTheRootAreRefused) {
  fs::create_symlink(dir_.path() / "secret.txt", root() / "escape.txt");
  fs::create_directory_symlink(dir_.path(), root() / "up");
  fs::create_symlink(root() / "app.js", root() / "alias.js");
  fs::create_directory_symlink(root() / "assets", root() / "images");
  auto files = Open();
  for (const char* path :
       {"escape.txt", "up/secret.txt", "up/www/app.js", "alias.js", "images/logo.svg"}) {
    const Response response = Get(*files, path);
    EXPECT_EQ(response.status, HttpStatus::not_found) << path;
    EXPECT_EQ(BodyOf(response).find("secret"), std::string::npos) << path;
  }
}

TEST_F(DirectoryFilesTest, RootMayBeASymbolicLink) {
  const fs::path link = dir_.path() / "current";
  fs::create_directory_symlink(root(), link);
  DirectoryFilesOptions options;
  options.root = link;
  auto files = Open(std::move(options));
  const Response response = Get(*files, "app.js");
  EXPECT_EQ(response.status, HttpStatus::ok);
  EXPECT_EQ(BodyOf(response), "console.log('app');");
}

TEST_F(DirectoryFilesTest, FoldersAndSpecialFilesAreNotServed) {
  ASSERT_EQ(::mkfifo((root() / "pipe.txt").c_str(), 0600), 0);
  auto files = Open();
  EXPECT_EQ(Get(*files, "assets").status, HttpStatus::not_found);
  EXPECT_EQ(Get(*files, "pipe.txt").status, HttpStatus::not_found) << "and did not block";
}

TEST_F(DirectoryFilesTest, SpaFallbackServesIndexForClientRoutes) {
  DirectoryFilesOptions options;
  options.spa_fallback = true;
  auto files = Open(std::move(options));
  for (const char* route : {"viewer", "viewer/dicomweb", "local"}) {
    const Response response = Get(*files, route);
    EXPECT_EQ(response.status, HttpStatus::ok) << route;
    EXPECT_EQ(response.headers["Content-Type"], "text/html; charset=utf-8") << route;
    EXPECT_EQ(BodyOf(response).substr(0, 15), "<!doctype html>") << route;
  }
  EXPECT_EQ(Get(*files, "missing.js").status, HttpStatus::not_found);
  EXPECT_EQ(Get(*files, "assets/missing.png").status, HttpStatus::not_found);
  Fields navigation;
  navigation.set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
  EXPECT_EQ(Get(*files, "viewer/1.2.840.10008", std::move(navigation)).status, HttpStatus::ok);
  // Refused paths answer 404 or, when they look like routes, the index: never the file.
  EXPECT_EQ(Get(*files, "../secret.txt").status, HttpStatus::not_found);
  EXPECT_EQ(BodyOf(Get(*files, "../secret")).substr(0, 15), "<!doctype html>");

  auto strict = Open();
  EXPECT_EQ(Get(*strict, "viewer").status, HttpStatus::not_found);
}

TEST_F(DirectoryFilesTest, OpenFailsForMissingRoot) {
  DirectoryFilesOptions options;
  options.root = dir_.path() / "nope";
  auto files = DirectoryFiles::Open(std::move(options), pool_);
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().code, ErrorCode::kNotFound);
  options.root = root() / "app.js";
  EXPECT_FALSE(DirectoryFiles::Open(std::move(options), pool_));
}

TEST_F(DirectoryFilesTest, SubstitutionsEditOnlyMatchingFilesBetweenFileRanges) {
  WriteFile(root() / "main.js",
            "a;__webpack_require__.p = \"/\";b;__webpack_require__.p = \"/\";c");
  WriteFile(root() / "page.html",
            "<link href=\"//cdn.example/x.css\"><link href=\"/app.css\"><script src=\"/a.js\">");
  WriteFile(root() / "notes.txt", "__webpack_require__.p = \"/\"");
  DirectoryFilesOptions options;
  options.substitutions = {
      {".js", "__webpack_require__.p = \"/\"", "__webpack_require__.p = \"/zhiva/viewer/\""},
      {".html", "href=\"//", "href=\"//"},
      {".html", "href=\"/", "href=\"/zhiva/viewer/"},
      {".html", "src=\"/", "src=\"/zhiva/viewer/"},
  };
  auto files = Open(std::move(options));

  const Response js = Get(*files, "main.js");
  EXPECT_EQ(BodyOf(js),
            "a;__webpack_require__.p = \"/zhiva/viewer/\";b;__webpack_require__.p = "
            "\"/zhiva/viewer/\";c");
  EXPECT_EQ(FileRangeCount(js), 3u) << "the unedited parts still come from disk";
  EXPECT_EQ(js.BodySize(), BodyOf(js).size());

  EXPECT_EQ(BodyOf(Get(*files, "page.html")),
            "<link href=\"//cdn.example/x.css\"><link href=\"/zhiva/viewer/app.css\">"
            "<script src=\"/zhiva/viewer/a.js\">");
  EXPECT_EQ(BodyOf(Get(*files, "notes.txt")), "__webpack_require__.p = \"/\"");
  EXPECT_EQ(BodyOf(Get(*files, "app.js")), "console.log('app');");

  // Edited files have their own ETag (the edits are part of the representation)...
  auto plain = Open();
  EXPECT_NE(Get(*files, "main.js").headers["ETag"], Get(*plain, "main.js").headers["ETag"]);
  EXPECT_EQ(Get(*files, "main.js").headers["ETag"], js.headers["ETag"]);
  // ...and a new version of the file is scanned again.
  WriteFile(root() / "main.js", "__webpack_require__.p = \"/\";// longer than before");
  EXPECT_EQ(BodyOf(Get(*files, "main.js")),
            "__webpack_require__.p = \"/zhiva/viewer/\";// longer than before");
}

TEST_F(DirectoryFilesTest, HandlerServesTheRestCapture) {
  auto files = Open();
  Handler handler = files->AsHandler();
  files.reset();  // the handler keeps the object alive
  Request request(Verb::get, "GET", "/viewer/assets/logo.svg", Fields{}, "127.0.0.1", false, body_);
  request.set_params({{"rest", "assets/logo.svg"}});
  const Response response = testing::RunSync(handler(request));
  EXPECT_EQ(response.status, HttpStatus::ok);
  EXPECT_EQ(BodyOf(response), "<svg/>");
}

// Through a real server: the session's own target checks and sendfile.
TEST_F(DirectoryFilesTest, ServerSendsFilesAndRefusesEncodedTraversal) {
  const std::string big = testing::PatternBytes(3 << 20, 5);
  WriteFile(root() / "big.wasm", big);
  auto files = Open();
  Router router;
  router.Add(Verb::get, "/viewer/{*rest}", Access::kPublic, files->AsHandler());
  testing::TokenGuard guard;
  ServerOptions options;
  options.tls = false;
  testing::TestServer server(options, router, guard);
  ASSERT_TRUE(server.ok());

  const auto wasm = testing::Curl(dir_.path(), "'" + server.Url("/viewer/big.wasm") + "'");
  EXPECT_EQ(wasm.status, 200);
  EXPECT_EQ(wasm.Header("Content-Type"), "application/wasm");
  EXPECT_EQ(wasm.body.size(), big.size());
  EXPECT_TRUE(wasm.body == big);

  for (const char* path : {"/viewer/%2e%2e/secret.txt", "/viewer/..%2fsecret.txt",
                           "/viewer/assets/%2E%2E/%2e%2e/secret.txt", "/viewer/%2e/app.js"}) {
    const auto answer = testing::Curl(dir_.path(), "--path-as-is '" + server.Url(path) + "'");
    EXPECT_NE(answer.status, 200) << path;
    EXPECT_EQ(answer.body.find("top secret"), std::string::npos) << path;
  }
  server.Stop();
  server.Join();
}

}  // namespace
}  // namespace tessera::http
