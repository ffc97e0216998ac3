#include "http/query_params.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

TEST(QueryParamsTest, DecodesNamesAndValuesInOrder) {
  auto query = QueryParams::Parse("PatientName=Doe%5EJohn&limit=10&fuzzy+matching=a+b");
  ASSERT_TRUE(query);
  ASSERT_EQ(query->items().size(), 3u);
  EXPECT_EQ(query->items()[0].first, "PatientName");
  EXPECT_EQ(query->Get("PatientName"), "Doe^John");
  EXPECT_EQ(query->Get("limit"), "10");
  EXPECT_EQ(query->Get("fuzzy matching"), "a b");
}

TEST(QueryParamsTest, KeepsRepeatedNames) {
  auto query = QueryParams::Parse("includefield=00100010&includefield=00100020&x=1");
  ASSERT_TRUE(query);
  const auto all = query->GetAll("includefield");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], "00100010");
  EXPECT_EQ(all[1], "00100020");
  EXPECT_EQ(query->Get("includefield"), "00100010");
}

TEST(QueryParamsTest, HandlesEmptyPiecesAndValuelessNames) {
  auto query = QueryParams::Parse("&&a&b=&=c&");
  ASSERT_TRUE(query);
  EXPECT_TRUE(query->Has("a"));
  EXPECT_EQ(query->Get("a"), "");
  EXPECT_EQ(query->Get("b"), "");
  EXPECT_EQ(query->Get(""), "c");
  EXPECT_FALSE(query->Has("d"));
}

TEST(QueryParamsTest, EmptyQueryHasNoItems) {
  auto query = QueryParams::Parse("");
  ASSERT_TRUE(query);
  EXPECT_TRUE(query->items().empty());
}

TEST(QueryParamsTest, RejectsMalformedEscapes) {
  EXPECT_EQ(QueryParams::Parse("a=%zz").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(QueryParams::Parse("a=%4").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(QueryParams::Parse("%=1").error().code, ErrorCode::kInvalidArgument);
}

TEST(QueryParamsTest, KeepsEncodedSeparatorsInsideValues) {
  auto query = QueryParams::Parse("a=1%262%3D3&b=%2B");
  ASSERT_TRUE(query);
  EXPECT_EQ(query->Get("a"), "1&2=3");
  EXPECT_EQ(query->Get("b"), "+");
}

}  // namespace
}  // namespace tessera::http
