// Server behaviour that needs exact control of the bytes on the wire.

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "http/server.h"
#include "test_server.h"

namespace tessera::http {
namespace {

using testing::RawConnection;
using testing::TestServer;

class ServerRawTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.file = dir_.path() / "stored.bin";
    testing::WriteFile(state_.file, testing::PatternBytes(1 << 20, 11));
    testing::AddTestRoutes(router_, state_);
  }

  std::unique_ptr<TestServer> Start(ServerOptions options = Default()) {
    auto server = std::make_unique<TestServer>(std::move(options), router_, guard_);
    EXPECT_TRUE(server->ok());
    return server;
  }

  static ServerOptions Default() {
    ServerOptions options;
    options.max_body_bytes = 1 << 20;
    options.max_header_bytes = 8 << 10;
    return options;
  }

  testing::TempDir dir_;
  Router router_;
  testing::TokenGuard guard_;
  testing::RouteState state_;
};

TEST_F(ServerRawTest, SendsContinueWhenHandlerReadsBody) {
  auto server = Start();
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.connected());
  connection.Send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(connection.ReadUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  connection.Send("0123456789");
  const std::string response = connection.ReadResponse();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
  EXPECT_TRUE(response.ends_with(
      "{\"bytes\": 10, \"crc\": " + std::to_string(testing::Crc32("0123456789")) + "}"))
      << response;
  // Still usable.
  connection.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(connection.ReadResponse().ends_with("hello"));
}

TEST_F(ServerRawTest, AnswersOversizedExpectWithoutContinue) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n"
      "Expect: 100-continue\r\n\r\n");
  const std::string response = connection.ReadResponse();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(connection.ReadUntilClose());
}

TEST_F(ServerRawTest, ClosesWhenExpectedBodyWasNeverRequested) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send(
      "POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
      "Expect: 100-continue\r\n\r\n");
  const std::string response = connection.ReadResponse();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
  EXPECT_EQ(response.find("100 Continue"), std::string::npos);
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(connection.ReadUntilClose());
}

TEST_F(ServerRawTest, DrainsSmallUnreadBodyAndKeepsConnection) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                  std::string(5000, 'z') + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string first = connection.ReadResponse();
  EXPECT_TRUE(first.ends_with("ignored")) << first;
  EXPECT_EQ(first.find("Connection: close"), std::string::npos);
  const std::string second = connection.ReadResponse();
  EXPECT_TRUE(second.starts_with("HTTP/1.1 200 OK")) << second;
  EXPECT_TRUE(second.ends_with("hello"));
}

TEST_F(ServerRawTest, AnswersPipelinedRequestsInOrder) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send(
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /json/1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(connection.ReadResponse().ends_with("hello"));
  EXPECT_TRUE(connection.ReadResponse().ends_with("}]"));
  const std::string last = connection.ReadResponse();
  EXPECT_NE(last.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(last.ends_with("hello"));
  EXPECT_TRUE(connection.ReadUntilClose());
}

TEST_F(ServerRawTest, ServesHttp10AndCloses) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send("GET /hello HTTP/1.0\r\n\r\n");
  std::string all;
  ASSERT_TRUE(connection.ReadUntilClose(&all));
  EXPECT_TRUE(all.starts_with("HTTP/1.0 200 OK\r\n")) << all;
  EXPECT_NE(all.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_TRUE(all.ends_with("\r\n\r\nhello"));
}

TEST_F(ServerRawTest, KeepsHttp10ConnectionWhenAsked) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const std::string first = connection.ReadResponse();
  EXPECT_NE(first.find("Connection: keep-alive"), std::string::npos) << first;
  connection.Send("GET /hello HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(connection.ReadResponse().ends_with("hello"));
}

TEST_F(ServerRawTest, AnswersHeadWithoutBody) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send(
      "HEAD /file HTTP/1.1\r\nHost: x\r\n\r\nHEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string file = connection.ReadUntil("\r\n\r\n");
  EXPECT_NE(file.find("Content-Length: 500004\r\n"), std::string::npos) << file;
  const std::string stream = connection.ReadUntil("\r\n\r\n");
  EXPECT_TRUE(stream.starts_with("HTTP/1.1 200 OK\r\n")) << stream;
  // The next bytes are the GET's answer: HEAD sent no body.
  const std::string hello = connection.ReadResponse();
  EXPECT_TRUE(hello.starts_with("HTTP/1.1 200 OK\r\n")) << hello;
  EXPECT_TRUE(hello.ends_with("\r\n\r\nhello"));
}

TEST_F(ServerRawTest, AnswersHugeHeadersWith431) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
                  "\r\n\r\n");
  const std::string response = connection.ReadResponse();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n")) << response;
  EXPECT_TRUE(response.ends_with("{\"message\": \"Request header fields too large\"}"));
  EXPECT_TRUE(connection.ReadUntilClose());
}

TEST_F(ServerRawTest, AnswersMalformedRequestsWith400) {
  auto server = Start();
  for (const std::string& request :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /hello HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")}) {
    RawConnection connection(server->port());
    connection.Send(request);
    const std::string response = connection.ReadResponse();
    EXPECT_TRUE(response.starts_with("HTTP/1.1 400 Bad Request\r\n")) << request << response;
  }
}

TEST_F(ServerRawTest, RefusesAmbiguousOrUnknownBodyFraming) {
  auto server = Start();
  for (const std::string& request : {
           std::string("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
           std::string("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                       "Content-Length: 6\r\n\r\nhello!"),
       }) {
    RawConnection connection(server->port());
    connection.Send(request);
    const std::string response = connection.ReadResponse();
    EXPECT_TRUE(response.starts_with("HTTP/1.1 400 Bad Request\r\n")) << request << response;
    EXPECT_TRUE(connection.ReadUntilClose());
  }
  for (const char* coding : {"gzip, chunked", "chunked, gzip", "identity"}) {
    RawConnection connection(server->port());
    // What follows the header must never be taken for a second request.
    connection.Send(std::string("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") +
                    coding + "\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string all;
    ASSERT_TRUE(connection.ReadUntilClose(&all)) << coding;
    EXPECT_TRUE(all.starts_with("HTTP/1.1 501 Not Implemented\r\n")) << coding << all;
    EXPECT_EQ(all.find("hello"), std::string::npos) << coding;
  }
}

TEST_F(ServerRawTest, ReportsMalformedChunkedBodyToHandler) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\nZZ\r\n");
  const std::string response = connection.ReadResponse();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 400")) << response;
  EXPECT_NE(response.find("malformed chunked"), std::string::npos);
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
}

TEST_F(ServerRawTest, ReadsChunkedBodyWithExactFraming) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nTrailer: x\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string response = connection.ReadResponse();
  EXPECT_TRUE(response.ends_with(
      "{\"bytes\": 12, \"crc\": " + std::to_string(testing::Crc32("hello world!")) + "}"))
      << response;
  EXPECT_TRUE(connection.ReadResponse().ends_with("hello"));
}

TEST_F(ServerRawTest, ClosesIdleConnectionsAfterTimeout) {
  ServerOptions options = Default();
  options.idle_timeout = std::chrono::seconds(1);
  auto server = Start(options);
  RawConnection connection(server->port());
  connection.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(connection.ReadResponse().ends_with("hello"));
  EXPECT_TRUE(connection.ReadUntilClose());  // closed by the server, not our 20 s timeout
}

TEST_F(ServerRawTest, ClosesNewConnectionsThatSendNothing) {
  // A silent connection holds a descriptor; it gets no longer than an idle one,
  // however long a slow body may take.
  ServerOptions options = Default();
  options.idle_timeout = std::chrono::seconds(1);
  options.request_timeout = std::chrono::seconds(300);
  auto server = Start(options);
  RawConnection connection(server->port());
  EXPECT_TRUE(connection.ReadUntilClose());  // closed by the server, not our 20 s timeout
}

TEST_F(ServerRawTest, EndsABodyThatFallsBelowTheMinimumPace) {
  ServerOptions options = Default();
  options.request_timeout = std::chrono::seconds(300);
  options.body_grace = std::chrono::seconds(1);
  options.min_body_bytes_per_second = 1024;
  auto server = Start(options);
  RawConnection connection(server->port());
  const auto started = std::chrono::steady_clock::now();
  connection.Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789");
  std::string rest;
  EXPECT_TRUE(connection.ReadUntilClose(&rest));  // not our 20 s timeout, nor the server's 300 s
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(ServerRawTest, ClosesConnectionsOverTheLimitAndAdmitsAgainOnceOneEnds) {
  ServerOptions options = Default();
  options.max_connections_per_address = 2;
  auto server = Start(options);
  const auto served = [](RawConnection& connection) {
    connection.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    return connection.ReadResponse().ends_with("hello");
  };
  auto first = std::make_unique<RawConnection>(server->port());
  RawConnection second(server->port());
  ASSERT_TRUE(served(*first));
  ASSERT_TRUE(served(second));

  RawConnection third(server->port());
  std::string rest;
  EXPECT_TRUE(third.ReadUntilClose(&rest));  // closed at once, not after our 20 s timeout
  EXPECT_EQ(rest, "");

  first.reset();  // its place comes back once the server has seen it close
  bool admitted = false;
  for (int attempt = 0; attempt < 100 && !admitted; ++attempt) {
    RawConnection next(server->port());
    admitted = served(next);
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(admitted);
  EXPECT_TRUE(served(second));  // the held ones were never disturbed
}

TEST_F(ServerRawTest, StopClosesIdleKeepAliveConnections) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(connection.ReadResponse().ends_with("hello"));
  server->Stop();
  EXPECT_TRUE(connection.ReadUntilClose());
  server->Join();
}

TEST_F(ServerRawTest, StopFinishesSlowRequestWithConnectionClose) {
  auto server = Start();
  RawConnection connection(server->port());
  connection.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  while (!state_.slow_entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server->Stop();
  // Shutdown is visible once new connections are refused.
  for (int i = 0; i < 1000; ++i) {
    RawConnection probe(server->port());
    if (!probe.connected()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  state_.slow_release = true;
  std::string all;
  ASSERT_TRUE(connection.ReadUntilClose(&all));
  EXPECT_TRUE(all.starts_with("HTTP/1.1 200 OK")) << all;
  EXPECT_NE(all.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(all.ends_with("done"));
  server->Join();
}

TEST_F(ServerRawTest, LogsOneRedactedLinePerRequest) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  {
    auto server = Start();
    RawConnection connection(server->port());
    connection.Send(
        "GET /hello?token=s3cr3t&limit=2&code=abc HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Bearer sup3rsecret\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(connection.ReadUntilClose());
    server->Stop();
    server->Join();
  }
  spdlog::set_default_logger(previous);
  const std::string text = log.str();
  // No guard in this server, so no user: "-".
  EXPECT_NE(text.find("127.0.0.1 - \"GET /hello?token=***&limit=2&code=***\" 200 5 "),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(text.find("sup3rsecret"), std::string::npos);
  EXPECT_EQ(text.find("abc"), std::string::npos);
}

}  // namespace
}  // namespace tessera::http
