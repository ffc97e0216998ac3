#include "archive/scope_reader.h"

#include <gtest/gtest.h>

#include "archive_test_util.h"

namespace tessera::archive {
namespace {

using testing::StoreInstance;
using testing::TempDir;
using testing::TestInstance;

class ScopeReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto archive = ArchiveImpl::Open(ArchiveOptions{dir_.path()});
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
  }

  void Store(std::string series, std::string series_number, std::string sop,
             std::string instance_number) {
    TestInstance instance;
    instance.study_uid = "1.1";
    instance.series_uid = std::move(series);
    instance.series_number = std::move(series_number);
    instance.sop_uid = std::move(sop);
    instance.instance_number = std::move(instance_number);
    auto stored = StoreInstance(*archive_, instance);
    ASSERT_TRUE(stored) << stored.error().message;
  }

  TempDir dir_;
  std::unique_ptr<ArchiveImpl> archive_;
};

TEST_F(ScopeReaderTest, InstancesAreOrderedBySeriesNumberThenInstanceNumber) {
  Store("1.1.2", "2", "1.1.2.1", "1");
  Store("1.1.1", "1", "1.1.1.10", "10");
  Store("1.1.1", "1", "1.1.1.9", "9");
  Store("1.1.2", "2", "1.1.2.0", "");
  auto refs = archive_->Instances(Scope{"1.1", "", ""});
  ASSERT_TRUE(refs) << refs.error().message;
  std::vector<std::string> order;
  for (const auto& ref : *refs) order.push_back(ref.sop_instance_uid);
  EXPECT_EQ(order, (std::vector<std::string>{"1.1.1.9", "1.1.1.10", "1.1.2.1", "1.1.2.0"}));

  auto series = archive_->Instances(Scope{"1.1", "1.1.2", ""});
  ASSERT_TRUE(series);
  EXPECT_EQ(series->size(), 2u);
  auto one = archive_->Instances(Scope{"1.1", "1.1.2", "1.1.2.1"});
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].series_uid, "1.1.2");
  EXPECT_EQ((*one)[0].study_uid, "1.1");
  EXPECT_TRUE(std::filesystem::exists((*one)[0].path));
}

TEST_F(ScopeReaderTest, UnknownScopesAreNotFoundAndPartialOnesInvalid) {
  Store("1.1.1", "1", "1.1.1.1", "1");
  for (const Scope& scope : {Scope{"9", "", ""}, Scope{"1.1", "9", ""}, Scope{"1.1", "1.1.1", "9"},
                             Scope{"9", "1.1.1", "1.1.1.1"}}) {
    auto refs = archive_->Instances(scope);
    ASSERT_FALSE(refs);
    EXPECT_EQ(refs.error().code, ErrorCode::kNotFound);
    auto metadata = archive_->Metadata(scope);
    ASSERT_FALSE(metadata);
    EXPECT_EQ(metadata.error().code, ErrorCode::kNotFound);
  }
  auto refs = archive_->Instances(Scope{"", "1.1.1", ""});
  ASSERT_FALSE(refs);
  EXPECT_EQ(refs.error().code, ErrorCode::kInvalidArgument);
  auto metadata = archive_->Metadata(Scope{"1.1", "", "1.1.1.1"});
  ASSERT_FALSE(metadata);
  EXPECT_EQ(metadata.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ScopeReaderTest, MetadataIsAJsonArrayWithBulkDataMarkers) {
  Store("1.1.1", "1", "1.1.1.1", "1");
  Store("1.1.1", "1", "1.1.1.2", "2");
  auto metadata = archive_->Metadata(Scope{"1.1", "", ""});
  ASSERT_TRUE(metadata) << metadata.error().message;
  const auto json = nlohmann::json::parse(metadata->json, nullptr, false);
  ASSERT_TRUE(json.is_array()) << metadata->json.substr(0, 200);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["00080018"]["Value"][0], "1.1.1.1");
  EXPECT_EQ(json[1]["00080018"]["Value"][0], "1.1.1.2");
  // Each URI names its own instance, so one marker swap serves a whole series.
  EXPECT_EQ(json[0]["7FE00010"]["BulkDataURI"],
            "tessera-bulk:studies/1.1/series/1.1.1/instances/1.1.1.1/bulkdata/7FE00010");
  EXPECT_EQ(json[0]["00100010"]["Value"][0]["Alphabetic"], "Doe^John");
  EXPECT_EQ(metadata->etag.front(), '"');
  EXPECT_EQ(metadata->etag.back(), '"');

  auto single = archive_->Metadata(Scope{"1.1", "1.1.1", "1.1.1.2"});
  ASSERT_TRUE(single);
  EXPECT_EQ(nlohmann::json::parse(single->json).size(), 1u);
}

TEST_F(ScopeReaderTest, EtagChangesWheneverTheStudyChanges) {
  Store("1.1.1", "1", "1.1.1.1", "1");
  auto first = archive_->Metadata(Scope{"1.1", "", ""});
  ASSERT_TRUE(first);
  auto again = archive_->Metadata(Scope{"1.1", "", ""});
  ASSERT_TRUE(again);
  EXPECT_EQ(first->etag, again->etag);

  Store("1.1.1", "1", "1.1.1.2", "2");
  auto added = archive_->Metadata(Scope{"1.1", "", ""});
  ASSERT_TRUE(added);
  EXPECT_NE(added->etag, first->etag);

  Store("1.1.1", "1", "1.1.1.2", "3");  // replaced
  auto replaced = archive_->Metadata(Scope{"1.1", "", ""});
  ASSERT_TRUE(replaced);
  EXPECT_NE(replaced->etag, added->etag);

  ASSERT_TRUE(archive_->Delete(Scope{"1.1", "1.1.1", "1.1.1.2"}));
  auto deleted = archive_->Metadata(Scope{"1.1", "", ""});
  ASSERT_TRUE(deleted);
  EXPECT_NE(deleted->etag, replaced->etag);
  EXPECT_NE(deleted->etag, first->etag);
}

}  // namespace
}  // namespace tessera::archive
