#include "http/multipart.h"

#include <chrono>
#include <cstdio>
#include <random>

#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::http {
namespace {

struct RecordedPart {
  PartHeaders headers;
  std::string data;
  bool ended = false;
};

// Records what the parser reports and checks the callback order.
class RecordingSink final : public PartSink {
 public:
  Status OnPartBegin(const PartHeaders& headers) override {
    if (!parts.empty() && !parts.back().ended) return Fail(ErrorCode::kInternal, "nested part");
    parts.push_back({headers, {}, false});
    return Ok();
  }
  Status OnPartData(std::span<const char> bytes) override {
    if (parts.empty() || parts.back().ended) return Fail(ErrorCode::kInternal, "stray data");
    if (bytes.empty()) return Fail(ErrorCode::kInternal, "empty data callback");
    ++data_calls;
    parts.back().data.append(bytes.data(), bytes.size());
    if (fail_after_bytes && total_bytes() > fail_after_bytes) {
      return Fail(ErrorCode::kIo, "disk full");
    }
    return Ok();
  }
  Status OnPartEnd() override {
    if (parts.empty() || parts.back().ended) return Fail(ErrorCode::kInternal, "stray end");
    parts.back().ended = true;
    return Ok();
  }
  std::size_t total_bytes() const {
    std::size_t total = 0;
    for (const auto& part : parts) total += part.data.size();
    return total;
  }

  std::vector<RecordedPart> parts;
  std::size_t data_calls = 0;
  std::size_t fail_after_bytes = 0;
};

constexpr std::string_view kBoundary = "Xk8-boundary_42";

// Binary content that is full of near-delimiters.
std::string Tricky() {
  std::string data = "\r\n--Xk8-boundary_4\r\n-\r\n--Xk8-boundary\r--Xk8-boundary_42x";
  data += std::string("\0\xff\r\n\r\n--", 9);
  data += testing::PatternBytes(300, 7);
  data += "\r\n--Xk8-boundary_4";  // a near-delimiter right at the end of the content
  return data;
}

std::string ThreePartBody() {
  std::string body = "This is the preamble.\r\n";
  body += "--Xk8-boundary_42\r\n";
  body += "Content-Type: application/dicom\r\n";
  body += "Content-Location: /instances/1\r\n\r\n";
  body += Tricky();
  body += "\r\n--Xk8-boundary_42 \t\r\n";  // transport padding
  body += "Content-Disposition: form-data; name=\"meta\"; filename=\"a b.json\"\r\n";
  body += "X-Folded: first\r\n  second\r\n\r\n";
  body += "{\"k\": 1}";
  body += "\r\n--Xk8-boundary_42\r\n\r\n";  // a part without headers and content
  body += "\r\n--Xk8-boundary_42--\r\nepilogue that is ignored --Xk8-boundary_42\r\n";
  return body;
}

void ExpectThreeParts(const RecordingSink& sink) {
  ASSERT_EQ(sink.parts.size(), 3u);
  EXPECT_EQ(sink.parts[0].headers.content_type(), "application/dicom");
  EXPECT_EQ(sink.parts[0].headers.content_location(), "/instances/1");
  EXPECT_EQ(sink.parts[0].data, Tricky());
  EXPECT_EQ(sink.parts[1].headers.name, "meta");
  EXPECT_EQ(sink.parts[1].headers.filename, "a b.json");
  EXPECT_EQ(sink.parts[1].headers.Get("x-folded"), "first second");
  EXPECT_EQ(sink.parts[1].data, "{\"k\": 1}");
  EXPECT_TRUE(sink.parts[2].headers.fields.empty());
  EXPECT_EQ(sink.parts[2].data, "");
  for (const auto& part : sink.parts) EXPECT_TRUE(part.ended);
}

TEST(MultipartParserTest, ParsesBodyInOneChunk) {
  const std::string body = ThreePartBody();
  MultipartParser parser{std::string(kBoundary)};
  RecordingSink sink;
  ASSERT_TRUE(parser.Feed(body, sink));
  ASSERT_TRUE(parser.Finish());
  ExpectThreeParts(sink);
  EXPECT_EQ(parser.part_count(), 3u);
}

TEST(MultipartParserTest, ParsesBodySplitAtEveryPoint) {
  const std::string body = ThreePartBody();
  for (std::size_t split = 0; split <= body.size(); ++split) {
    MultipartParser parser{std::string(kBoundary)};
    RecordingSink sink;
    ASSERT_TRUE(parser.Feed(std::span(body.data(), split), sink)) << split;
    ASSERT_TRUE(parser.Feed(std::span(body.data() + split, body.size() - split), sink)) << split;
    ASSERT_TRUE(parser.Finish()) << split;
    ExpectThreeParts(sink);
    if (::testing::Test::HasFailure()) FAIL() << "split at " << split;
  }
}

TEST(MultipartParserTest, ParsesBodySplitAtEveryPairOfPoints) {
  const std::string body = ThreePartBody();
  // Three chunks: every (a, b) with a stride keeps the run time small while
  // still crossing every delimiter at every offset for the first cut.
  for (std::size_t a = 0; a <= body.size(); ++a) {
    for (std::size_t b = a; b <= body.size(); b += 13) {
      MultipartParser parser{std::string(kBoundary)};
      RecordingSink sink;
      ASSERT_TRUE(parser.Feed(std::span(body.data(), a), sink));
      ASSERT_TRUE(parser.Feed(std::span(body.data() + a, b - a), sink));
      ASSERT_TRUE(parser.Feed(std::span(body.data() + b, body.size() - b), sink));
      ASSERT_TRUE(parser.Finish());
      ExpectThreeParts(sink);
      if (::testing::Test::HasFailure()) FAIL() << "split at " << a << ", " << b;
    }
  }
}

TEST(MultipartParserTest, ParsesBodyFedByteByByte) {
  const std::string body = ThreePartBody();
  MultipartParser parser{std::string(kBoundary)};
  RecordingSink sink;
  for (const char c : body) ASSERT_TRUE(parser.Feed(std::span(&c, 1), sink));
  ASSERT_TRUE(parser.Finish());
  ExpectThreeParts(sink);
}

TEST(MultipartParserTest, ToleratesMissingCrlfBeforeFirstBoundaryAndNoEpilogue) {
  const std::string body =
      "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\n\r\nworld\r\n--b--";
  MultipartParser parser{"b"};
  RecordingSink sink;
  ASSERT_TRUE(parser.Feed(body, sink));
  ASSERT_TRUE(parser.Finish());
  ASSERT_EQ(sink.parts.size(), 2u);
  EXPECT_EQ(sink.parts[0].data, "hello");
  EXPECT_EQ(sink.parts[1].data, "world");
}

TEST(MultipartParserTest, AcceptsBareLineFeedsInPartHeaders) {
  const std::string body = "--b\nContent-Type: a/b\n\nxyz\r\n--b--\r\n";
  MultipartParser parser{"b"};
  RecordingSink sink;
  ASSERT_TRUE(parser.Feed(body, sink));
  ASSERT_TRUE(parser.Finish());
  ASSERT_EQ(sink.parts.size(), 1u);
  EXPECT_EQ(sink.parts[0].headers.content_type(), "a/b");
  EXPECT_EQ(sink.parts[0].data, "xyz");
}

TEST(MultipartParserTest, DecodesExtendedFilename) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=f; filename=\"plain.dcm\"; "
      "filename*=UTF-8''%C5%BC%C3%B3%C5%82w.dcm\r\n\r\nx\r\n--b--";
  MultipartParser parser{"b"};
  RecordingSink sink;
  ASSERT_TRUE(parser.Feed(body, sink));
  ASSERT_EQ(sink.parts.size(), 1u);
  EXPECT_EQ(sink.parts[0].headers.name, "f");
  EXPECT_EQ(sink.parts[0].headers.filename, "\xC5\xBC\xC3\xB3\xC5\x82w.dcm");
}

TEST(MultipartParserTest, FinishFailsWithoutClosingBoundary) {
  for (const std::string_view body : {"--b\r\n\r\nabc", "--b\r\n\r\nabc\r\n--b\r\n",
                                      "preamble only", "", "--b\r\nContent-Type: a/b\r\n"}) {
    MultipartParser parser{"b"};
    RecordingSink sink;
    ASSERT_TRUE(parser.Feed(body, sink)) << body;
    const Status finished = parser.Finish();
    ASSERT_FALSE(finished) << body;
    EXPECT_EQ(finished.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(finished.error().message.find("malformed multipart"), std::string::npos);
  }
}

TEST(MultipartParserTest, RejectsHugePartHeaders) {
  std::string body = "--b\r\nX-Big: ";
  body += std::string(MultipartParser::kMaxPartHeaderBytes, 'a');
  body += "\r\n\r\ndata\r\n--b--";
  MultipartParser parser{"b"};
  RecordingSink sink;
  const Status status = parser.Feed(body, sink);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(sink.parts.empty());
  // The error sticks.
  EXPECT_FALSE(parser.Feed(std::string_view("more"), sink));
  EXPECT_FALSE(parser.Finish());
}

TEST(MultipartParserTest, RejectsHugePartHeadersArrivingInSmallChunks) {
  std::string body = "--b\r\n";
  for (int i = 0; i < 2000; ++i) body += "X-Line: 0123456789\r\n";
  MultipartParser parser{"b"};
  RecordingSink sink;
  Status status;
  for (std::size_t offset = 0; offset < body.size() && status; offset += 100) {
    status = parser.Feed(
        std::span(body.data() + offset, std::min<std::size_t>(100, body.size() - offset)), sink);
  }
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

TEST(MultipartParserTest, RejectsGarbageAfterBoundary) {
  for (const std::string_view body :
       {"--b\r\n\r\nx\r\n--b-x", "--b\r\n\r\nx\r\n--bQ\r\n", "--b \r \r\n"}) {
    MultipartParser parser{"b"};
    RecordingSink sink;
    const Status status = parser.Feed(body, sink);
    ASSERT_FALSE(status) << body;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(MultipartParserTest, SinkErrorAbortsParsing) {
  const std::string body = "--b\r\n\r\n" + std::string(5000, 'x') + "\r\n--b\r\n\r\ny\r\n--b--";
  MultipartParser parser{"b"};
  RecordingSink sink;
  sink.fail_after_bytes = 100;
  Status status;
  for (std::size_t offset = 0; offset < body.size() && status; offset += 64) {
    status = parser.Feed(
        std::span(body.data() + offset, std::min<std::size_t>(64, body.size() - offset)), sink);
  }
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kIo);
  EXPECT_EQ(sink.parts.size(), 1u);
}

TEST(MultipartParserTest, HandsLargeContentOverWithoutSplittingIt) {
  const std::string content = testing::PatternBytes(1 << 20, 3);
  const std::string body = "--b\r\n\r\n" + content + "\r\n--b--";
  MultipartParser parser{"b"};
  RecordingSink sink;
  ASSERT_TRUE(parser.Feed(body, sink));
  ASSERT_EQ(sink.parts.size(), 1u);
  EXPECT_EQ(sink.parts[0].data, content);
  EXPECT_LE(sink.data_calls, 2u);
}

TEST(MultipartParserTest, ParsesRandomChunkingsOfLargeBinaryParts) {
  std::string body;
  std::vector<std::string> contents;
  for (std::uint32_t i = 0; i < 4; ++i) {
    contents.push_back(testing::PatternBytes(100000 + i * 777, i + 10));
    // Plant near-delimiters inside the content.
    contents.back().replace(5000, 10, "\r\n--Xk8-bo");
    body +=
        "--Xk8-boundary_42\r\nContent-Type: application/dicom\r\n\r\n" + contents.back() + "\r\n";
  }
  body += "--Xk8-boundary_42--";
  std::mt19937 random(99);
  for (int round = 0; round < 20; ++round) {
    MultipartParser parser{std::string(kBoundary)};
    RecordingSink sink;
    std::size_t offset = 0;
    while (offset < body.size()) {
      const std::size_t n = std::min<std::size_t>(body.size() - offset, 1 + random() % 9000);
      ASSERT_TRUE(parser.Feed(std::span(body.data() + offset, n), sink));
      offset += n;
    }
    ASSERT_TRUE(parser.Finish());
    ASSERT_EQ(sink.parts.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(sink.parts[i].data, contents[i]);
  }
}

// Not a timing assertion: prints the throughput for the record.
TEST(MultipartParserTest, ParsesLargeBodiesQuickly) {
  class CountingSink final : public PartSink {
   public:
    Status OnPartBegin(const PartHeaders&) override { return Ok(); }
    Status OnPartData(std::span<const char> bytes) override {
      bytes_ += bytes.size();
      return Ok();
    }
    Status OnPartEnd() override { return Ok(); }
    std::size_t bytes_ = 0;
  };
  const std::string boundary = "b1e4c6d2-8a3f-4f7e-9c1d-0a2b3c4d5e6f";
  const std::string chunk = testing::PatternBytes(1 << 20, 5);
  const std::string head = "--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n";
  const std::string tail = "\r\n--" + boundary + "--\r\n";
  constexpr int kChunks = 256;  // 256 MiB of content
  MultipartParser parser{boundary};
  CountingSink sink;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(parser.Feed(head, sink));
  for (int i = 0; i < kChunks; ++i) ASSERT_TRUE(parser.Feed(chunk, sink));
  ASSERT_TRUE(parser.Feed(tail, sink));
  ASSERT_TRUE(parser.Finish());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(sink.bytes_, chunk.size() * kChunks);
  std::printf("multipart: %.0f MiB in %.3f s = %.2f GiB/s\n", kChunks * 1.0, seconds,
              kChunks / 1024.0 / seconds);
}

TEST(BoundaryFromContentTypeTest, ExtractsBoundary) {
  EXPECT_EQ(*BoundaryFromContentType("multipart/related; type=\"application/dicom\"; boundary=abc"),
            "abc");
  EXPECT_EQ(*BoundaryFromContentType("multipart/form-data; boundary=\"----WebKitFormBoundaryX\""),
            "----WebKitFormBoundaryX");
  EXPECT_EQ(*BoundaryFromContentType("Multipart/Related;Boundary=a'()+_,-./:=? b"),
            "a'()+_,-./:=? b");
  EXPECT_EQ(*BoundaryFromContentType("multipart/related; boundary=" + std::string(70, 'x')),
            std::string(70, 'x'));
}

TEST(BoundaryFromContentTypeTest, RejectsMissingOrInvalidBoundaries) {
  for (const std::string& type :
       {std::string("application/dicom; boundary=abc"), std::string("multipart/related"),
        std::string("multipart/related; boundary="),
        std::string("multipart/related; boundary=\"\""),
        "multipart/related; boundary=" + std::string(71, 'x'),
        std::string("multipart/related; boundary=\"a\r\nb\""),
        std::string("multipart/related; boundary=\"ends with space \""), std::string("garbage")}) {
    const auto boundary = BoundaryFromContentType(type);
    ASSERT_FALSE(boundary) << type;
    EXPECT_EQ(boundary.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tessera::http
