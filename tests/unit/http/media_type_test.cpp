#include "http/media_type.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

TEST(MediaTypeTest, ParsesTypeSubtypeAndParameters) {
  auto type = ParseMediaType("Multipart/Related; Type=\"application/dicom\"; boundary=abc");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->type, "multipart");
  EXPECT_EQ(type->subtype, "related");
  EXPECT_EQ(type->Essence(), "multipart/related");
  EXPECT_TRUE(type->Is("multipart", "RELATED"));
  EXPECT_EQ(type->Parameter("type"), "application/dicom");
  EXPECT_EQ(type->Parameter("BOUNDARY"), "abc");
  EXPECT_FALSE(type->Parameter("charset"));
}

TEST(MediaTypeTest, UnescapesQuotedValues) {
  auto type = ParseMediaType(R"(text/plain; title="a \"quoted\" \\ value; really"; x=1)");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->Parameter("title"), R"(a "quoted" \ value; really)");
  EXPECT_EQ(type->Parameter("x"), "1");
}

TEST(MediaTypeTest, IsLenientAboutWhitespaceAndEmptyParameters) {
  auto type = ParseMediaType("  application/dicom+json ;;  charset = utf-8 ; ");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->Essence(), "application/dicom+json");
  EXPECT_EQ(type->Parameter("charset"), "utf-8");
  EXPECT_TRUE(type->IsJson());
  EXPECT_EQ(type->parameters.size(), 1u);
}

TEST(MediaTypeTest, UnterminatedQuoteRunsToTheEnd) {
  auto type = ParseMediaType("multipart/related; type=\"application/dicom");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->Parameter("type"), "application/dicom");
}

TEST(MediaTypeTest, RejectsTypesWithoutSubtype) {
  EXPECT_FALSE(ParseMediaType(""));
  EXPECT_FALSE(ParseMediaType("application"));
  EXPECT_FALSE(ParseMediaType("application/"));
  EXPECT_FALSE(ParseMediaType("/json"));
  EXPECT_FALSE(ParseMediaType("app lication/json"));
  EXPECT_EQ(ParseMediaType("text/").error().code, ErrorCode::kInvalidArgument);
}

TEST(MediaTypeTest, StarAloneMeansAnyType) {
  auto type = ParseMediaType("*; q=.2");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->Essence(), "*/*");
}

TEST(MediaTypeTest, RecognisesJsonTypes) {
  EXPECT_TRUE(ParseMediaType("application/json")->IsJson());
  EXPECT_TRUE(ParseMediaType("application/dicom+json; charset=utf-8")->IsJson());
  EXPECT_FALSE(ParseMediaType("application/dicom")->IsJson());
  EXPECT_FALSE(ParseMediaType("text/json")->IsJson());
}

TEST(ParseParametersTest, ParsesContentDisposition) {
  const auto parameters = ParseParameters("; name=\"file\"; filename=\"a b.dcm\"");
  ASSERT_EQ(parameters.size(), 2u);
  EXPECT_EQ(parameters[0].first, "name");
  EXPECT_EQ(parameters[0].second, "file");
  EXPECT_EQ(parameters[1].second, "a b.dcm");
}

TEST(AcceptTest, SortsByQualityThenSpecificityThenOrder) {
  const auto ranges = ParseAccept(
      "text/*;q=0.5, application/json, */*;q=0.1, application/dicom+json;q=0.9, "
      "text/html;level=1;q=0.5");
  ASSERT_EQ(ranges.size(), 5u);
  EXPECT_EQ(ranges[0].media_type.Essence(), "application/json");
  EXPECT_EQ(ranges[1].media_type.Essence(), "application/dicom+json");
  EXPECT_DOUBLE_EQ(ranges[1].quality, 0.9);
  EXPECT_EQ(ranges[2].media_type.Essence(), "text/html");  // more specific than text/*
  EXPECT_EQ(ranges[2].media_type.Parameter("level"), "1");
  EXPECT_EQ(ranges[3].media_type.Essence(), "text/*");
  EXPECT_EQ(ranges[4].media_type.Essence(), "*/*");
}

TEST(AcceptTest, ParsesWhatOhifSendsForRetrieve) {
  const auto ranges =
      ParseAccept("multipart/related; type=\"application/octet-stream\"; transfer-syntax=*");
  ASSERT_EQ(ranges.size(), 1u);
  const MediaType& type = ranges[0].media_type;
  EXPECT_EQ(type.Essence(), "multipart/related");
  EXPECT_EQ(type.Parameter("type"), "application/octet-stream");
  EXPECT_EQ(type.Parameter("transfer-syntax"), "*");
  EXPECT_DOUBLE_EQ(ranges[0].quality, 1.0);
}

TEST(AcceptTest, ParsesUnquotedTypeParameter) {
  const auto ranges = ParseAccept("multipart/related; type=application/dicom");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].media_type.Parameter("type"), "application/dicom");
}

TEST(AcceptTest, ParsesWhatViewersSendForMetadata) {
  const auto ranges = ParseAccept("application/dicom+json, */*");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].media_type.Essence(), "application/dicom+json");
  EXPECT_EQ(ranges[1].media_type.Essence(), "*/*");
}

TEST(AcceptTest, KeepsCommasInsideQuotedValues) {
  const auto ranges = ParseAccept(
      "multipart/related; type=\"application/dicom\"; transfer-syntax=\"1.2.840.10008.1.2.1,x\", "
      "application/dicom;q=0.5");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].media_type.Parameter("transfer-syntax"), "1.2.840.10008.1.2.1,x");
  EXPECT_EQ(ranges[1].media_type.Essence(), "application/dicom");
}

TEST(AcceptTest, IgnoresBadQualityAndSkipsGarbage) {
  const auto ranges =
      ParseAccept("garbage, application/json;q=abc, ,text/plain;q=2, image/png;q=0");
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].media_type.Essence(), "application/json");
  EXPECT_DOUBLE_EQ(ranges[0].quality, 1.0);
  EXPECT_EQ(ranges[1].media_type.Essence(), "text/plain");
  EXPECT_DOUBLE_EQ(ranges[1].quality, 1.0);
  EXPECT_EQ(ranges[2].media_type.Essence(), "image/png");
  EXPECT_DOUBLE_EQ(ranges[2].quality, 0.0);
}

TEST(AcceptTest, AcceptsLeadingDotQuality) {
  const auto ranges = ParseAccept("text/html, */*; q=.2");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_DOUBLE_EQ(ranges[1].quality, 0.2);
}

TEST(AcceptTest, DropsAcceptExtensionsAfterQ) {
  const auto ranges = ParseAccept("application/dicom; transfer-syntax=*; q=0.8; ext=1");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].media_type.parameters.size(), 1u);
  EXPECT_DOUBLE_EQ(ranges[0].quality, 0.8);
}

TEST(AcceptTest, EmptyHeaderGivesNoRanges) { EXPECT_TRUE(ParseAccept("").empty()); }

TEST(AcceptTest, CoversChecksTypeAndSubtypeWithWildcards) {
  const auto json = *ParseMediaType("application/dicom+json");
  EXPECT_TRUE(ParseAccept("*/*")[0].Covers(json));
  EXPECT_TRUE(ParseAccept("application/*")[0].Covers(json));
  EXPECT_TRUE(ParseAccept("Application/DICOM+json")[0].Covers(json));
  EXPECT_FALSE(ParseAccept("application/json")[0].Covers(json));
  EXPECT_FALSE(ParseAccept("text/*")[0].Covers(json));
}

}  // namespace
}  // namespace tessera::http
