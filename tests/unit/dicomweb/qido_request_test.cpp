#include "dicomweb/qido_request.h"

#include <gtest/gtest.h>

namespace tessera::dicomweb {
namespace {

using archive::MatchType;
using archive::QueryLevel;

Result<QidoRequest> Parse(std::string_view query, QueryLevel level = QueryLevel::kStudy) {
  auto params = http::QueryParams::Parse(query);
  EXPECT_TRUE(params);
  return ParseQidoRequest(level, "", "", *params);
}

TEST(QidoRequestTest, ParsesKeywordsAndTagsAlike) {
  auto by_keyword = Parse("PatientID=PID-1");
  auto by_tag = Parse("00100020=PID-1");
  ASSERT_TRUE(by_keyword);
  ASSERT_TRUE(by_tag);
  ASSERT_EQ(by_keyword->query.conditions.size(), 1u);
  EXPECT_EQ(by_keyword->query.conditions[0].tag, 0x00100020u);
  EXPECT_EQ(by_tag->query.conditions[0].tag, 0x00100020u);
  EXPECT_EQ(by_keyword->query.conditions[0].type, MatchType::kSingleValue);
}

TEST(QidoRequestTest, RefusesAnAttributeOrControlGivenTwice) {
  for (const auto* query : {"PatientID=A&PatientID=B", "limit=2&limit=3", "offset=1&offset=2",
                            "count=true&count=false", "fuzzymatching=true&fuzzymatching=true"}) {
    auto request = Parse(query);
    ASSERT_FALSE(request) << query;
    EXPECT_NE(request.error().message.find("given more than once"), std::string::npos) << query;
  }
  auto once_each = Parse("limit=2&offset=1&count=true&fuzzymatching=false");
  ASSERT_TRUE(once_each);
  EXPECT_EQ(once_each->query.limit, 2u);
  EXPECT_EQ(once_each->query.offset, 1u);
}

TEST(QidoRequestTest, DecodesPercentEscapesAsUtf8) {
  auto request = Parse("PatientName=M%C3%BCller*");
  ASSERT_TRUE(request);
  const auto& c = request->query.conditions.at(0);
  EXPECT_EQ(c.type, MatchType::kWildcard);
  EXPECT_EQ(c.values.at(0), "M\xC3\xBCller*");
  auto caret = Parse("PatientName=Doe%5EJohn");
  ASSERT_TRUE(caret);
  EXPECT_EQ(caret->query.conditions.at(0).values.at(0), "Doe^John");
}

TEST(QidoRequestTest, SplitsUidListsOnCommaAndBackslash) {
  for (const auto* query : {"StudyInstanceUID=1.2.3,1.2.4", "StudyInstanceUID=1.2.3%5C1.2.4"}) {
    auto request = Parse(query);
    ASSERT_TRUE(request) << query;
    const auto& c = request->query.conditions.at(0);
    EXPECT_EQ(c.type, MatchType::kUidList);
    EXPECT_EQ(c.values, (std::vector<std::string>{"1.2.3", "1.2.4"}));
  }
}

TEST(QidoRequestTest, RejectsMalformedUids) {
  auto request = Parse("StudyInstanceUID=1.2.abc");
  ASSERT_FALSE(request);
  EXPECT_EQ(request.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(request.error().message.find("StudyInstanceUID"), std::string::npos);
  EXPECT_FALSE(Parse("StudyInstanceUID=1.02.3"));
  EXPECT_FALSE(Parse("StudyInstanceUID=1.2*"));
}

TEST(QidoRequestTest, ParsesDateRanges) {
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"StudyDate=20240101-20240131", {"20240101", "20240131"}},
      {"StudyDate=-20240131", {"", "20240131"}},
      {"StudyDate=20240101-", {"20240101", ""}},
      {"StudyTime=0800-1200", {"0800", "1200"}},
  };
  for (const auto& [query, values] : cases) {
    auto request = Parse(query);
    ASSERT_TRUE(request) << query;
    const auto& c = request->query.conditions.at(0);
    EXPECT_EQ(c.type, MatchType::kRange) << query;
    EXPECT_EQ(c.values, values) << query;
  }
  auto single = Parse("StudyDate=20240115");
  ASSERT_TRUE(single);
  EXPECT_EQ(single->query.conditions.at(0).type, MatchType::kSingleValue);
}

TEST(QidoRequestTest, RejectsMalformedDatesAndNumbers) {
  EXPECT_FALSE(Parse("StudyDate=2024-01-01"));
  EXPECT_FALSE(Parse("StudyDate=20241301"));
  EXPECT_FALSE(Parse("StudyDate=2024*"));
  EXPECT_FALSE(Parse("StudyTime=2500"));
  EXPECT_FALSE(Parse("SeriesNumber=abc", QueryLevel::kSeries));
}

TEST(QidoRequestTest, EmptyValueIsUniversalMatch) {
  auto request = Parse("PatientName=&StudyDescription=*");
  ASSERT_TRUE(request);
  ASSERT_EQ(request->query.conditions.size(), 2u);
  EXPECT_EQ(request->query.conditions[0].type, MatchType::kUniversal);
  EXPECT_EQ(request->query.conditions[1].type, MatchType::kUniversal);
}

TEST(QidoRequestTest, ReadsIncludeFieldLimitOffsetFuzzyAndOrder) {
  auto request =
      Parse("includefield=00081030,StudyID&includefield=PatientAge&limit=10&offset=20&"
            "fuzzymatching=true&orderby=-StudyDate,PatientName&count=true");
  ASSERT_TRUE(request) << request.error().message;
  const auto& q = request->query;
  EXPECT_EQ(q.include, (std::vector<archive::Tag>{0x00081030, 0x00200010, 0x00101010}));
  EXPECT_EQ(q.limit, 10u);
  EXPECT_EQ(q.offset, 20u);
  EXPECT_TRUE(q.fuzzy_matching);
  EXPECT_TRUE(q.count_total);
  ASSERT_EQ(q.order_by.size(), 2u);
  EXPECT_EQ(q.order_by[0].tag, 0x00080020u);
  EXPECT_TRUE(q.order_by[0].descending);
  EXPECT_FALSE(q.order_by[1].descending);
  auto all = Parse("includefield=all");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->query.include_all);
}

TEST(QidoRequestTest, RejectsUnknownAttributesAndBadParameters) {
  for (const auto* query : {"NotAnAttribute=1", "includefield=Bogus", "limit=-1", "limit=ten",
                            "fuzzymatching=maybe", "orderby=Nope",
                            "ReferencedStudySequence=1", "00400275.00400009=1",
                            "PatientID=a&PatientID=b"}) {
    auto request = Parse(query);
    ASSERT_FALSE(request) << query;
    EXPECT_EQ(request.error().code, ErrorCode::kInvalidArgument) << query;
    EXPECT_FALSE(request.error().message.empty());
  }
}

TEST(QidoRequestTest, WarnsAboutIgnoredParametersAndSkipsTheToken) {
  auto request = Parse("charset=utf-8&_=12345&token=secret&PatientID=1");
  ASSERT_TRUE(request);
  EXPECT_EQ(request->warnings.size(), 2u);
  EXPECT_EQ(request->query.conditions.size(), 1u);
  for (const auto& warning : request->warnings) {
    EXPECT_EQ(warning.find("secret"), std::string::npos);
  }
}

TEST(QidoRequestTest, ModalitiesInStudyTakesAList) {
  auto request = Parse("ModalitiesInStudy=CT,MR");
  ASSERT_TRUE(request);
  const auto& c = request->query.conditions.at(0);
  EXPECT_EQ(c.type, MatchType::kUidList);
  EXPECT_EQ(c.values, (std::vector<std::string>{"CT", "MR"}));
}

}  // namespace
}  // namespace tessera::dicomweb
