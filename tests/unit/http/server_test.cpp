#include "http/server.h"

#include <chrono>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "http/tls_certificate.h"
#include "test_server.h"

namespace tessera::http {
namespace {

using testing::Crc32;
using testing::Curl;
using testing::TestServer;

// Shared by the curl-driven tests, run over plain HTTP and over TLS.
class ServerTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    state_.file = dir_.path() / "stored.bin";
    state_.file_bytes = testing::PatternBytes(1 << 20, 11);
    testing::WriteFile(state_.file, state_.file_bytes);
    testing::AddTestRoutes(router_, state_);
    if (tls()) {
      CertificateOptions certificate;
      certificate.common_name = "localhost";
      certificate.dns_names = {"localhost"};
      certificate.ip_addresses = {"127.0.0.1"};
      ASSERT_TRUE(CreateSelfSignedCertificate(cert_file(), key_file(), certificate));
    }
  }

  bool tls() const { return GetParam(); }
  std::filesystem::path cert_file() const { return dir_.path() / "server.crt"; }
  std::filesystem::path key_file() const { return dir_.path() / "server.key"; }

  ServerOptions Options() const {
    ServerOptions options;
    options.tls = tls();
    options.certificate_file = cert_file();
    options.private_key_file = key_file();
    options.max_body_bytes = 64 << 20;
    options.max_header_bytes = 8 << 10;
    options.cors.allowed_origins = {"https://*.zhiva.ai"};
    return options;
  }

  std::unique_ptr<TestServer> Start(ServerOptions options) {
    auto server = std::make_unique<TestServer>(std::move(options), router_, guard_);
    EXPECT_TRUE(server->ok());
    return server;
  }

  testing::CurlResult Get(const TestServer& server, std::string path, std::string extra = "") {
    return Curl(dir_.path(), extra + " '" + server.Url(path) + "'");
  }

  std::string MakeUploadFile(std::size_t size) {
    const auto path = dir_.path() / ("upload-" + std::to_string(size));
    testing::WriteFile(path, testing::PatternBytes(size, static_cast<std::uint32_t>(size)));
    return path.string();
  }

  testing::TempDir dir_;
  Router router_;
  testing::TokenGuard guard_;
  testing::RouteState state_;
};

INSTANTIATE_TEST_SUITE_P(PlainAndTls, ServerTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Tls" : "Plain"; });

TEST_P(ServerTest, ServesSimpleGetWithStandardHeaders) {
  auto server = Start(Options());
  const auto result = Get(*server, "/hello");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "hello");
  EXPECT_EQ(result.Header("Content-Length"), "5");
  EXPECT_EQ(result.Header("Server"), "tessera");
  EXPECT_EQ(result.Header("Cross-Origin-Resource-Policy"), "cross-origin");
  EXPECT_TRUE(result.Header("Date").ends_with("GMT"));
  EXPECT_EQ(result.Header("Access-Control-Allow-Origin"), "");
}

TEST_P(ServerTest, ReusesKeepAliveConnections) {
  auto server = Start(Options());
  const std::string url = server->Url("/hello");
  int exit_code = 0;
  const std::string out = testing::RunCommand(
      "curl -sk -o /dev/null -o /dev/null -o /dev/null -w '%{http_code}:%{num_connects} ' '" + url +
          "' '" + url + "' '" + url + "'",
      &exit_code);
  EXPECT_EQ(exit_code, 0);
  EXPECT_EQ(out, "200:1 200:0 200:0 ");
}

TEST_P(ServerTest, AnswersNotFoundAndMethodNotAllowed) {
  auto server = Start(Options());
  const auto missing = Get(*server, "/nothing/here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "{\"message\": \"Not found\"}");
  EXPECT_EQ(missing.Header("Content-Type"), "application/json");
  const auto wrong = Get(*server, "/hello", "-X DELETE");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("Allow"), "GET, HEAD, OPTIONS");
  const auto traversal = Get(*server, "/zhiva/%2e%2e/etc/passwd", "--path-as-is");
  EXPECT_EQ(traversal.status, 400);
}

TEST_P(ServerTest, AnswersHeadWithGetLengthAndNoBody) {
  auto server = Start(Options());
  // curl -I writes the header block as the body; nothing may follow it.
  const auto hello = Get(*server, "/hello", "-I");
  EXPECT_EQ(hello.status, 200);
  EXPECT_EQ(hello.Header("Content-Length"), "5");
  EXPECT_TRUE(hello.body.ends_with("Content-Length: 5\r\n\r\n")) << hello.body;
  const auto file = Get(*server, "/file", "-I");
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.Header("Content-Length"), std::to_string(500000 + 4));
  EXPECT_TRUE(file.body.ends_with("\r\n\r\n"));
  // The connection stays usable after a HEAD.
  int exit_code = 0;
  const std::string out = testing::RunCommand(
      "curl -sk -o /dev/null -o /dev/null -w '%{http_code}:%{num_connects} ' -I '" +
          server->Url("/file") + "' '" + server->Url("/hello") + "'",
      &exit_code);
  EXPECT_EQ(out, "200:1 200:0 ");
}

TEST_P(ServerTest, StreamsUploadUnderTheLimit) {
  auto server = Start(Options());
  const std::string file = MakeUploadFile(50 << 20);
  const std::string expected =
      "{\"bytes\": " + std::to_string(50 << 20) +
      ", \"crc\": " + std::to_string(Crc32(testing::PatternBytes(50 << 20, 50 << 20))) + "}";
  const auto result =
      Get(*server, "/upload",
          "-X POST -H 'Content-Type: application/octet-stream' --data-binary @" + file);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, expected);
  // curl asked with Expect: 100-continue and did not have to wait for a timeout.
  EXPECT_TRUE(result.all_headers.starts_with("HTTP/1.1 100 Continue\r\n")) << result.all_headers;
}

TEST_P(ServerTest, RefusesDeclaredUploadOverTheLimit) {
  ServerOptions options = Options();
  options.max_body_bytes = 1 << 20;
  auto server = Start(options);
  const std::string file = MakeUploadFile(50 << 20);
  for (const std::string& expect : {std::string(), std::string("-H 'Expect:'")}) {
    const auto result = Get(*server, "/upload",
                            "-X POST " + expect +
                                " -H 'Content-Type: application/octet-stream' "
                                "--data-binary @" +
                                file);
    EXPECT_EQ(result.status, 413) << expect;
    EXPECT_EQ(result.body, "{\"message\": \"Request body too large\"}") << expect;
    EXPECT_EQ(result.Header("Connection"), "close");
  }
  // The server is still serving.
  EXPECT_EQ(Get(*server, "/hello").status, 200);
}

TEST_P(ServerTest, StreamsChunkedUploads) {
  auto server = Start(Options());
  const std::string file = MakeUploadFile(5 << 20);
  const auto result =
      Get(*server, "/upload", "-X POST -H 'Transfer-Encoding: chunked' --data-binary @" + file);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "{\"bytes\": " + std::to_string(5 << 20) + ", \"crc\": " +
                             std::to_string(Crc32(testing::PatternBytes(5 << 20, 5 << 20))) + "}");
}

TEST_P(ServerTest, RefusesChunkedUploadOverTheLimit) {
  ServerOptions options = Options();
  options.max_body_bytes = 1 << 20;
  auto server = Start(options);
  const std::string file = MakeUploadFile(50 << 20);
  const auto result =
      Get(*server, "/upload", "-X POST -H 'Transfer-Encoding: chunked' --data-binary @" + file);
  EXPECT_EQ(result.status, 413);
  EXPECT_NE(result.body.find("larger than the server accepts"), std::string::npos);
  EXPECT_EQ(Get(*server, "/hello").status, 200);
}

TEST_P(ServerTest, SendsSegmentsFromFile) {
  auto server = Start(Options());
  const auto result = Get(*server, "/file");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("Content-Length"), "500004");
  ASSERT_EQ(result.body.size(), 500004u);
  EXPECT_EQ(result.body, "<<" + state_.file_bytes.substr(1000, 500000) + ">>");
  EXPECT_EQ(result.Header("Content-Encoding"), "");
}

TEST_P(ServerTest, AbortsConnectionWhenSegmentFileIsMissing) {
  auto server = Start(Options());
  const auto result = Get(*server, "/missing-file");
  EXPECT_NE(result.exit_code, 0);  // curl: transfer closed with bytes outstanding
  EXPECT_EQ(Get(*server, "/hello").status, 200);
}

TEST_P(ServerTest, StreamsChunkedResponses) {
  auto server = Start(Options());
  const auto result = Get(*server, "/stream");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.Header("Transfer-Encoding"), "chunked");
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += "chunk-" + std::to_string(i) + "\n";
  EXPECT_EQ(result.body, expected);
  const auto http10 = Get(*server, "/stream", "--http1.0");
  EXPECT_EQ(http10.status, 200);
  EXPECT_EQ(http10.body, expected);
  EXPECT_EQ(http10.Header("Transfer-Encoding"), "");
}

TEST_P(ServerTest, GzipsLargeJsonWhenAccepted) {
  auto server = Start(Options());
  const auto plain = Get(*server, "/json/200");
  const auto compressed = Get(*server, "/json/200", "--compressed");
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.Header("Content-Encoding"), "");
  EXPECT_EQ(plain.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(compressed.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(compressed.Header("Vary"), "Accept-Encoding");
  EXPECT_LT(std::stoul(compressed.Header("Content-Length")), plain.body.size() / 4);
  EXPECT_EQ(compressed.body, plain.body);  // curl inflated it
  const auto small = Get(*server, "/json/2", "--compressed");
  EXPECT_EQ(small.Header("Content-Encoding"), "");
}

TEST_P(ServerTest, AnswersPreflightWithoutGuard) {
  auto server = Start(Options());
  const auto result = Get(*server, "/private",
                          "-X OPTIONS -H 'Origin: https://app.zhiva.ai' "
                          "-H 'Access-Control-Request-Method: GET' "
                          "-H 'Access-Control-Request-Headers: authorization'");
  EXPECT_EQ(result.status, 204);
  EXPECT_EQ(result.Header("Access-Control-Allow-Origin"), "https://app.zhiva.ai");
  EXPECT_EQ(result.Header("Access-Control-Allow-Headers"), "authorization");
  EXPECT_EQ(result.Header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(result.Header("Access-Control-Max-Age"), "600");
  EXPECT_EQ(guard_.calls, 0);
}

TEST_P(ServerTest, AddsCorsHeadersForAllowedOriginAndAppliesGuard) {
  auto server = Start(Options());
  const std::string origin = "-H 'Origin: https://app.zhiva.ai' ";
  const auto refused = Get(*server, "/private", origin);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.Header("Access-Control-Allow-Origin"), "https://app.zhiva.ai");
  const auto allowed = Get(*server, "/private", origin + "-H 'Authorization: Bearer good'");
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.body, "secret for alice");
  EXPECT_EQ(allowed.Header("Access-Control-Allow-Origin"), "https://app.zhiva.ai");
  EXPECT_EQ(allowed.Header("Access-Control-Expose-Headers"),
            "Authorization, Content-Type, Content-Length, ETag, Warning, X-Total-Count, Location");
  EXPECT_NE(allowed.Header("Vary").find("Origin"), std::string::npos);
  EXPECT_EQ(guard_.calls, 2);
}

TEST_P(ServerTest, RefusesForeignOrigin) {
  auto server = Start(Options());
  for (const char* origin : {"https://evil.com", "https://zhiva.ai.evil.com", "null"}) {
    const auto result = Get(*server, "/hello", std::string("-H 'Origin: ") + origin + "'");
    EXPECT_EQ(result.status, 403) << origin;
    EXPECT_EQ(result.body, "{\"message\": \"Origin not allowed\"}");
    EXPECT_EQ(result.Header("Access-Control-Allow-Origin"), "");
  }
  const auto preflight = Get(*server, "/hello",
                             "-X OPTIONS -H 'Origin: https://evil.com' "
                             "-H 'Access-Control-Request-Method: GET'");
  EXPECT_EQ(preflight.status, 403);
  // Our own origin is always welcome.
  const auto own = Get(*server, "/hello", "-H 'Origin: " + server->Url("") + "'");
  EXPECT_EQ(own.status, 200);
}

TEST_P(ServerTest, RunsBlockingWorkOnPool) {
  auto server = Start(Options());
  EXPECT_EQ(Get(*server, "/pool").body, "500500");
}

TEST_P(ServerTest, ServesParallelClients) {
  auto server = Start(Options());
  std::string urls;
  for (int i = 0; i < 40; ++i)
    urls += " -o /dev/null '" + server->Url(i % 2 ? "/hello" : "/json/50") + "'";
  int exit_code = 0;
  const std::string out = testing::RunCommand(
      "curl -sk --no-progress-meter --parallel --parallel-max 20 -w '%{http_code} '" + urls,
      &exit_code);
  EXPECT_EQ(exit_code, 0);
  std::size_t ok = 0;
  for (std::size_t at = out.find("200"); at != std::string::npos; at = out.find("200", at + 1))
    ++ok;
  EXPECT_EQ(ok, 40u);
}

TEST_P(ServerTest, StopLetsInFlightRequestFinish) {
  auto server = Start(Options());
  testing::CurlResult slow;
  std::thread client([&] { slow = Get(*server, "/slow"); });
  while (!state_.slow_entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server->Stop();
  // Whether or not shutdown has begun by now, the request must complete.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  state_.slow_release = true;
  server->Join();
  client.join();
  EXPECT_EQ(slow.exit_code, 0);
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.body, "done");
  // No longer accepting.
  EXPECT_NE(Get(*server, "/hello").exit_code, 0);
}

TEST_P(ServerTest, SupportsTls12AndRejectsPlainHttpOnTlsPort) {
  if (!tls()) GTEST_SKIP() << "TLS only";
  auto server = Start(Options());
  const auto tls12 = Get(*server, "/hello", "--tlsv1.2 --tls-max 1.2");
  EXPECT_EQ(tls12.status, 200);
  const auto verified = Get(*server, "/hello", "--cacert '" + cert_file().string() + "'");
  EXPECT_EQ(verified.exit_code, 0);
  EXPECT_EQ(verified.status, 200);
  const auto plain =
      Curl(dir_.path(), "'http://127.0.0.1:" + std::to_string(server->port()) + "/hello'");
  EXPECT_NE(plain.status, 200);
  EXPECT_EQ(Get(*server, "/hello").status, 200);
}

TEST(ServerStartTest, ReportsPortInUse) {
  Router router;
  AllowAllGuard guard;
  ServerOptions options;
  options.address = "127.0.0.1";
  Server first(options, router, guard);
  ASSERT_TRUE(first.Start());
  options.port = first.port();
  Server second(options, router, guard);
  const Status status = second.Start();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kIo);
  EXPECT_NE(status.error().message.find(std::to_string(first.port())), std::string::npos);
  EXPECT_NE(status.error().message.find("in use"), std::string::npos);
}

TEST(ServerStartTest, ReportsMissingCertificateAndBadAddress) {
  testing::TempDir dir;
  Router router;
  AllowAllGuard guard;
  ServerOptions options;
  options.address = "127.0.0.1";
  options.tls = true;
  options.certificate_file = dir.path() / "missing.crt";
  options.private_key_file = dir.path() / "missing.key";
  Server server(options, router, guard);
  const Status status = server.Start();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kIo);
  EXPECT_NE(status.error().message.find("missing.crt"), std::string::npos);

  ASSERT_TRUE(CreateSelfSignedCertificate(dir.path() / "a.crt", dir.path() / "a.key", {}));
  ASSERT_TRUE(CreateSelfSignedCertificate(dir.path() / "b.crt", dir.path() / "b.key", {}));
  options.certificate_file = dir.path() / "a.crt";
  options.private_key_file = dir.path() / "b.key";
  Server mismatched(options, router, guard);
  const Status mismatch = mismatched.Start();
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, ErrorCode::kIo);
  EXPECT_NE(mismatch.error().message.find("b.key"), std::string::npos) << mismatch.error().message;

  ServerOptions bad_address;
  bad_address.address = "not-an-ip";
  Server bad(bad_address, router, guard);
  EXPECT_EQ(bad.Start().error().code, ErrorCode::kInvalidArgument);
}

TEST(ServerStartTest, StopBeforeRunReturnsPromptly) {
  Router router;
  AllowAllGuard guard;
  ServerOptions options;
  options.address = "127.0.0.1";
  Server server(options, router, guard);
  ASSERT_TRUE(server.Start());
  server.Stop();
  server.Run();  // returns because Stop() was requested
  SUCCEED();
}

}  // namespace
}  // namespace tessera::http
