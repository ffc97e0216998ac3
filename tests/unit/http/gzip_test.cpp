#include "http/gzip.h"

#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>
#include <zlib.h>

namespace tessera::http {
namespace {

std::string SampleJson(std::size_t items) {
  std::string json = "[";
  for (std::size_t i = 0; i < items; ++i) {
    if (i > 0) json += ",";
    json +=
        R"({"00080020":{"vr":"DA","Value":["20)" +
        std::to_string(100000 + i % 900000).substr(0, 6) +
        R"("]},"0020000D":{"vr":"UI","Value":["1.2.826.0.1.3680043.8.498.)" +
        std::to_string(i * 7919) + R"("]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Patient^)" +
        std::to_string(i) +
        R"("}]},"00081030":{"vr":"LO","Value":["CT CHEST W/O CONTRAST"]},"00201208":{"vr":"IS","Value":[)" +
        std::to_string(i % 500) + "]}}";
  }
  return json + "]";
}

std::string Inflate(std::string_view data) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out;
  char buffer[65536];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    result = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - stream.avail_out);
  }
  EXPECT_EQ(result, Z_STREAM_END);
  inflateEnd(&stream);
  return out;
}

TEST(GzipTest, AcceptsGzipFromCommonHeaders) {
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
  EXPECT_FALSE(AcceptsGzip("gzipped"));
}

TEST(GzipTest, CompressesTextAndJsonTypesOnly) {
  EXPECT_TRUE(IsCompressibleType("application/json"));
  EXPECT_TRUE(IsCompressibleType("application/dicom+json; charset=utf-8"));
  EXPECT_TRUE(IsCompressibleType("application/problem+json"));
  EXPECT_TRUE(IsCompressibleType("text/html; charset=utf-8"));
  EXPECT_TRUE(IsCompressibleType("text/javascript"));
  EXPECT_FALSE(IsCompressibleType("application/dicom"));
  EXPECT_FALSE(IsCompressibleType("image/jpeg"));
  EXPECT_FALSE(IsCompressibleType("multipart/related; type=\"application/dicom+json\""));
  EXPECT_FALSE(IsCompressibleType(""));
}

TEST(GzipTest, RoundTrips) {
  const std::string json = SampleJson(1000);
  const auto compressed = GzipCompress(json);
  ASSERT_TRUE(compressed);
  EXPECT_LT(compressed->size(), json.size() / 5);
  EXPECT_EQ(Inflate(*compressed), json);
  const auto empty = GzipCompress("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(Inflate(*empty), "");
}

// Records the measurement behind the chosen level; asserts nothing about time.
TEST(GzipTest, MeasuresCompressionLevels) {
  const std::string json = SampleJson(20000);
  for (const int level : {1, 2, 3, 6}) {
    const auto start = std::chrono::steady_clock::now();
    uLongf size = compressBound(static_cast<uLong>(json.size()));
    std::string out(size, '\0');
    z_stream stream{};
    ASSERT_EQ(deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(json.data()));
    stream.avail_in = static_cast<uInt>(json.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    ASSERT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    size = stream.total_out;
    deflateEnd(&stream);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("gzip level %d: %zu -> %lu bytes (%.1fx) at %.0f MB/s\n", level, json.size(),
                static_cast<unsigned long>(size), json.size() / static_cast<double>(size),
                json.size() / seconds / 1e6);
  }
}

}  // namespace
}  // namespace tessera::http
