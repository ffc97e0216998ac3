#include "dimse/commitment_store.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dicom/attribute_dictionary.h"

namespace tessera::dimse {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCtImage = "1.2.840.10008.5.1.4.1.1.2";

class CommitmentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dicom::EnsureDataDictionary());
    char pattern[] = "/tmp/tessera-commitment-store-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder())) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path folder() const { return dir_ / "commitments"; }

  fs::path dir_;
};

TEST_F(CommitmentStoreTest, KeptRequestsLoadInTheirOrderUntilForgotten) {
  CommitmentStore store(folder());
  auto none = store.Load();
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(fs::is_directory(folder())) << "Load makes the folder";

  const CommitmentRequest first{"1.2.3.9", {{kCtImage, "1.2.3.1"}, {kCtImage, "1.2.3.2"}}};
  const CommitmentRequest second{"1.2.3.10", {{kCtImage, "1.2.3.3"}}};
  auto first_file = store.Keep("MODALITY", first);
  ASSERT_TRUE(first_file) << first_file.error().message;
  auto second_file = store.Keep("CT 2", second);
  ASSERT_TRUE(second_file) << second_file.error().message;
  EXPECT_EQ(fs::status(*first_file).permissions() & fs::perms::others_all, fs::perms::none);

  auto kept = CommitmentStore(folder()).Load();
  ASSERT_TRUE(kept) << kept.error().message;
  ASSERT_EQ(kept->size(), 2u);
  EXPECT_EQ((*kept)[0].ae_title, "MODALITY");
  EXPECT_EQ((*kept)[0].request.transaction_uid, "1.2.3.9");
  ASSERT_EQ((*kept)[0].request.items.size(), 2u);
  EXPECT_EQ((*kept)[0].request.items[1].sop_instance_uid, "1.2.3.2");
  EXPECT_EQ((*kept)[0].request.items[1].sop_class_uid, kCtImage);
  EXPECT_EQ((*kept)[0].file, *first_file);
  EXPECT_EQ((*kept)[1].ae_title, "CT 2");
  EXPECT_EQ((*kept)[1].request.transaction_uid, "1.2.3.10");

  store.Forget(*first_file);
  kept = store.Load();
  ASSERT_TRUE(kept) << kept.error().message;
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].request.transaction_uid, "1.2.3.10");
}

TEST_F(CommitmentStoreTest, UnreadableFilesAreSetAsideAndCutWritesRemoved) {
  CommitmentStore store(folder());
  ASSERT_TRUE(store.Load());
  ASSERT_TRUE(store.Keep("MODALITY", {"1.2.3.9", {{kCtImage, "1.2.3.1"}}}));
  std::ofstream(folder() / "00000000000000000001-0000000000000000.json") << "{\"peer\": ";
  std::ofstream(folder() / ".00000000000000000002-0000000000000000.json.1.0.7.tmp") << "{";
  auto kept = store.Load();
  ASSERT_TRUE(kept) << kept.error().message;
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].request.transaction_uid, "1.2.3.9");
  const auto names = Names();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "00000000000000000001-0000000000000000.json.unreadable");
  EXPECT_TRUE(names[1].ends_with(".json") && !names[1].starts_with('.'));
}

TEST_F(CommitmentStoreTest, AFileThatCannotBeReadNowStaysForTheNextStart) {
  CommitmentStore store(folder());
  ASSERT_TRUE(store.Load());
  // A folder where a file should be: reading it fails with an I/O error (as
  // EIO or EMFILE would), which says nothing about the request inside.
  fs::create_directories(folder() / "00000000000000000001-0000000000000000.json");
  auto kept = store.Load();
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_TRUE(kept->empty());
  EXPECT_EQ(Names(), (std::vector<std::string>{"00000000000000000001-0000000000000000.json"}));
}

TEST_F(CommitmentStoreTest, WithoutAFolderNothingIsKept) {
  CommitmentStore store({});
  auto file = store.Keep("MODALITY", {"1.2.3.9", {{kCtImage, "1.2.3.1"}}});
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_TRUE(file->empty());
  auto kept = store.Load();
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->empty());
}

TEST_F(CommitmentStoreTest, AFolderThatCannotBeWrittenIsAnIoError) {
  fs::create_directories(dir_);
  std::ofstream(folder()) << "a file where the folder should be";
  CommitmentStore store(folder());
  auto file = store.Keep("MODALITY", {"1.2.3.9", {{kCtImage, "1.2.3.1"}}});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kIo);
  auto kept = store.Load();
  ASSERT_FALSE(kept);
  EXPECT_EQ(kept.error().code, ErrorCode::kIo);
}

TEST(CommitmentFileTest, RoundTripsAndRefusesWhatIsNotARequest) {
  ASSERT_TRUE(dicom::EnsureDataDictionary());
  const CommitmentRequest request{"1.2.3.9", {{kCtImage, "1.2.3.1"}}};
  auto parsed = ParseCommitmentFile(CommitmentFileText("MODALITY", request));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->ae_title, "MODALITY");
  EXPECT_EQ(parsed->request.transaction_uid, "1.2.3.9");
  ASSERT_EQ(parsed->request.items.size(), 1u);
  EXPECT_EQ(parsed->request.items[0].sop_instance_uid, "1.2.3.1");

  for (
      const char* bad : {
          "",
          "[]",
          R"({"transaction_uid": "1.2.3", "items": [["1.2", "1.3"]]})",
          R"({"peer": "AE", "transaction_uid": "x.y", "items": [["1.2", "1.3"]]})",
          R"({"peer": "AE", "transaction_uid": "1.2.3", "items": []})",
          R"({"peer": "AE", "transaction_uid": "1.2.3", "items": [["1.2"]]})",
          R"({"peer": "AE", "transaction_uid": "1.2.3", "items": [["1.2", 7]]})",
          R"({"peer": "AE", "transaction_uid": "1.2.3", "items": [["1.2", "1..3"]]})",
          R"({"peer": "SEVENTEEN_LETTERS", "transaction_uid": "1.2.3", "items": [["1.2", "1.3"]]})",
      }) {
    auto refused = ParseCommitmentFile(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace tessera::dimse
