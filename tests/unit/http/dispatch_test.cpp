#include "http/dispatch.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "http/gzip.h"
#include "test_support.h"

namespace tessera::http {
namespace {

std::string Gunzip(std::string_view data) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(1 << 22, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

std::string JsonArray(std::size_t items) {
  std::string json = "[";
  for (std::size_t i = 0; i < items; ++i) {
    if (i > 0) json += ",";
    json += R"({"0020000D":{"vr":"UI","Value":["1.2.826.0.1.3680043.8.498.)" + std::to_string(i) +
            R"("]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^John"}]}})";
  }
  return json + "]";
}

TEST(HttpDateTest, FormatsImfFixdate) {
  EXPECT_EQ(HttpDate(std::chrono::system_clock::from_time_t(784111777)),
            "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(HttpDate(std::chrono::system_clock::from_time_t(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(FinishHeadersTest, AddsStandardHeaders) {
  Response response = Response::Error(HttpStatus::not_found, "Not found");
  FinishHeaders(response, ResponseContext{});
  EXPECT_EQ(response.headers["Server"], "tessera");
  EXPECT_EQ(response.headers["Cross-Origin-Resource-Policy"], "cross-origin");
  EXPECT_TRUE(response.headers["Date"].ends_with(" GMT"));
  EXPECT_EQ(response.headers["Access-Control-Allow-Origin"], "");
}

TEST(FinishHeadersTest, AddsCorsHeadersForAllowedOrigin) {
  Response response = Response::Json(HttpStatus::ok, "[]");
  ResponseContext context;
  context.cors_origin = "https://app.zhiva.ai";
  FinishHeaders(response, context);
  EXPECT_EQ(response.headers["Access-Control-Allow-Origin"], "https://app.zhiva.ai");
  EXPECT_EQ(response.headers["Vary"], "Origin");
}

TEST(FinishHeadersTest, GzipsLargeJsonWhenAccepted) {
  const std::string json = JsonArray(200);
  Response response = Response::Json(HttpStatus::ok, json, "application/dicom+json");
  ResponseContext context;
  context.accepts_gzip = true;
  FinishHeaders(response, context);
  EXPECT_EQ(response.headers["Content-Encoding"], "gzip");
  EXPECT_EQ(response.headers["Vary"], "Accept-Encoding");
  const auto& body = std::get<std::string>(response.body);
  EXPECT_LT(body.size(), json.size() / 4);
  EXPECT_EQ(Gunzip(body), json);
}

TEST(FinishHeadersTest, TagsOfAnswersThatMayBeGzippedAreWeakForGzipClients) {
  ResponseContext gzip_ok;
  gzip_ok.accepts_gzip = true;
  for (const std::size_t size : {std::size_t{10}, std::size_t{10000}}) {
    Response response = Response::Json(HttpStatus::ok, std::string(size, ' '));
    response.headers.set("ETag", "\"1-1\"");
    FinishHeaders(response, gzip_ok);
    EXPECT_EQ(response.headers["ETag"], "W/\"1-1\"") << size;
    EXPECT_EQ(response.headers["Vary"], "Accept-Encoding") << size;
  }
  Response identity = Response::Json(HttpStatus::ok, std::string(10000, ' '));
  identity.headers.set("ETag", "\"1-1\"");
  FinishHeaders(identity, ResponseContext{});
  EXPECT_EQ(identity.headers["ETag"], "\"1-1\"");
  Response unchanged = Response::Empty(HttpStatus::not_modified);
  unchanged.headers.set("ETag", "\"1-1\"");
  FinishHeaders(unchanged, gzip_ok);
  EXPECT_EQ(unchanged.headers["ETag"], "W/\"1-1\"") << "as the 200 would have said";
}

TEST(FinishHeadersTest, LeavesSmallOrBinaryOrUnacceptedBodiesAlone) {
  ResponseContext gzip_ok;
  gzip_ok.accepts_gzip = true;
  Response small = Response::Json(HttpStatus::ok, std::string(kMinGzipBytes - 1, ' '));
  FinishHeaders(small, gzip_ok);
  EXPECT_EQ(small.headers["Content-Encoding"], "");

  Response binary =
      Response::WithBody(HttpStatus::ok, std::string(10000, 'a'), "application/dicom");
  FinishHeaders(binary, gzip_ok);
  EXPECT_EQ(binary.headers["Content-Encoding"], "");
  EXPECT_EQ(binary.headers["Vary"], "");

  Response not_accepted = Response::WithBody(HttpStatus::ok, std::string(10000, 'a'), "text/html");
  FinishHeaders(not_accepted, ResponseContext{});
  EXPECT_EQ(not_accepted.headers["Content-Encoding"], "");
  EXPECT_EQ(not_accepted.headers["Vary"], "Accept-Encoding");
  EXPECT_EQ(std::get<std::string>(not_accepted.body).size(), 10000u);

  Response segments;
  segments.headers.set("Content-Type", "application/json");
  segments.body = Segments{std::string(10000, 'a')};
  FinishHeaders(segments, gzip_ok);
  EXPECT_EQ(segments.headers["Content-Encoding"], "");
}

class CountingGuard final : public Guard {
 public:
  std::optional<Response> Check(Request& request, Access access) override {
    ++calls;
    last_access = access;
    if (refuse) return Response::Error(HttpStatus::unauthorized, "Sign in");
    request.set_principal(Principal{"alice", "Alice", true});
    return std::nullopt;
  }
  int calls = 0;
  Access last_access = Access::kPublic;
  bool refuse = false;
};

class DispatchTest : public ::testing::Test {
 protected:
  DispatchTest() {
    router_.Add(
        Verb::get, "/items/{id}", Access::kRead, [](Request& request) -> Awaitable<Response> {
          co_return Response::WithBody(
              HttpStatus::ok, std::string(request.param("id")) + ":" + request.principal().subject,
              "text/plain");
        });
    router_.Add(Verb::get, "/throws", Access::kPublic, [](Request&) -> Awaitable<Response> {
      throw std::runtime_error("boom");
      co_return Response::Empty(HttpStatus::ok);
    });
  }

  Response Run(Verb method, std::string target, CorsPolicy::Verdict verdict, Fields headers = {}) {
    Request request(method, std::string(beast::http::to_string(method)), std::move(target),
                    std::move(headers), "127.0.0.1", false, body_);
    return testing::RunSync(Dispatch(request, verdict, router_, guard_));
  }

  Router router_;
  CountingGuard guard_;
  testing::StringBodyReader body_{""};
};

TEST_F(DispatchTest, RoutesThroughGuardToHandler) {
  const Response response = Run(Verb::get, "/items/a%20b", CorsPolicy::Verdict::kNoOrigin);
  EXPECT_EQ(response.status, HttpStatus::ok);
  EXPECT_EQ(std::get<std::string>(response.body), "a b:alice");
  EXPECT_EQ(guard_.calls, 1);
  EXPECT_EQ(guard_.last_access, Access::kRead);
}

TEST_F(DispatchTest, GuardRefusalIsReturned) {
  guard_.refuse = true;
  EXPECT_EQ(Run(Verb::get, "/items/1", CorsPolicy::Verdict::kNoOrigin).status,
            HttpStatus::unauthorized);
}

TEST_F(DispatchTest, AnswersNotFoundMethodNotAllowedAndBadTarget) {
  EXPECT_EQ(Run(Verb::get, "/nothing", CorsPolicy::Verdict::kNoOrigin).status,
            HttpStatus::not_found);
  const Response wrong = Run(Verb::post, "/items/1", CorsPolicy::Verdict::kNoOrigin);
  EXPECT_EQ(wrong.status, HttpStatus::method_not_allowed);
  EXPECT_EQ(wrong.headers["Allow"], "GET, HEAD, OPTIONS");
  EXPECT_EQ(Run(Verb::get, "/items/%2e%2e", CorsPolicy::Verdict::kNoOrigin).status,
            HttpStatus::bad_request);
  EXPECT_EQ(guard_.calls, 0);
}

TEST_F(DispatchTest, PreflightSkipsGuardAndRefusedOriginIsForbidden) {
  Fields headers;
  headers.set("Origin", "https://app.zhiva.ai");
  headers.set("Access-Control-Request-Method", "GET");
  const Response preflight = Run(Verb::options, "/items/1", CorsPolicy::Verdict::kAllowed, headers);
  EXPECT_EQ(preflight.status, HttpStatus::no_content);
  EXPECT_EQ(preflight.headers["Access-Control-Allow-Origin"], "https://app.zhiva.ai");
  const Response refused = Run(Verb::get, "/items/1", CorsPolicy::Verdict::kRefused, headers);
  EXPECT_EQ(refused.status, HttpStatus::forbidden);
  EXPECT_EQ(guard_.calls, 0);
  // A plain OPTIONS (no preflight) lists the methods.
  const Response options = Run(Verb::options, "/items/1", CorsPolicy::Verdict::kNoOrigin);
  EXPECT_EQ(options.status, HttpStatus::no_content);
  EXPECT_EQ(options.headers["Allow"], "GET, HEAD, OPTIONS");
}

TEST_F(DispatchTest, HandlerExceptionBecomesInternalError) {
  const Response response = Run(Verb::get, "/throws", CorsPolicy::Verdict::kNoOrigin);
  EXPECT_EQ(response.status, HttpStatus::internal_server_error);
}

}  // namespace
}  // namespace tessera::http
