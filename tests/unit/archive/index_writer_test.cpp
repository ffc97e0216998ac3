#include "archive/index_writer.h"

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "archive_test_util.h"
#include "db/connection.h"
#include "dicom/instance_reader.h"

namespace tessera::archive {
namespace {

using testing::FilesUnder;
using testing::IntOf;
using testing::StoreInstance;
using testing::TempDir;
using testing::TestInstance;
using testing::TextOf;

// Counts and derived values, read back through Find as clients see them.
class IndexWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto archive = ArchiveImpl::Open(ArchiveOptions{dir_.path()});
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
  }

  void Store(const TestInstance& instance) {
    auto stored = StoreInstance(*archive_, instance);
    ASSERT_TRUE(stored) << stored.error().message;
  }

  // Writes the rows of `instance` as instance `blob` (no file) straight through
  // an IndexWriter, past the ingester's checks: what the writer does with rows
  // that the ingester refuses to send it.
  void WriteRows(const TestInstance& instance, BlobNumber blob) {
    const auto path = dir_.path() / "rows.dcm";
    testing::WriteInstance(path, instance);
    auto info = dicom::ReadInstance(path, dicom::ReadOptions{});
    ASSERT_TRUE(info) << info.error().message;
    const InstanceRecord record = MakeInstanceRecord(*info, 1, 0);
    archive_->Settle();  // the merger writes nothing meanwhile
    const Status written = archive_->database().Write([&](db::Connection& connection) -> Status {
      db::Transaction transaction(connection);
      if (auto status = transaction.Begin(); !status) return status;
      IndexWriter writer(connection, archive_->writer_sql());
      auto existing = writer.Find(record.sop_instance_uid);
      if (!existing) return std::move(existing).error();
      if (auto status = writer.Insert(record, blob, *existing); !status) return status;
      return transaction.Commit();
    });
    ASSERT_TRUE(written) << written.error().message;
  }

  static TestInstance Instance(std::string study, std::string series, std::string sop) {
    TestInstance instance;
    instance.study_uid = std::move(study);
    instance.series_uid = std::move(series);
    instance.sop_uid = std::move(sop);
    return instance;
  }

  // The study's match, or null when the study is not found.
  nlohmann::json Study(const std::string& uid) {
    Query query;
    query.level = QueryLevel::kStudy;
    query.study_uid = uid;
    query.include = {0x00201200, 0x00201202, 0x00201204};
    auto result = archive_->Find(query);
    EXPECT_TRUE(result) << result.error().message;
    if (!result || result->matches.empty()) return nullptr;
    return result->matches[0];
  }

  nlohmann::json Series(const std::string& uid) {
    Query query;
    query.level = QueryLevel::kSeries;
    query.series_uid = uid;
    auto result = archive_->Find(query);
    EXPECT_TRUE(result) << result.error().message;
    if (!result || result->matches.empty()) return nullptr;
    return result->matches[0];
  }

  std::vector<nlohmann::json> Patients() {
    auto result = archive_->Find(testing::AtLevel(QueryLevel::kPatient));
    EXPECT_TRUE(result);
    return result ? result->matches : std::vector<nlohmann::json>{};
  }

  // Checks a study's series/instance counts.
  void ExpectStudyCounts(const std::string& uid, int series, int instances) {
    const auto study = Study(uid);
    ASSERT_FALSE(study.is_null()) << uid;
    EXPECT_EQ(IntOf(study, "00201206"), series) << uid;
    EXPECT_EQ(IntOf(study, "00201208"), instances) << uid;
  }

  TempDir dir_;
  std::unique_ptr<ArchiveImpl> archive_;
};

TEST_F(IndexWriterTest, CountsAndDerivedValuesFollowStores) {
  for (int i = 0; i < 3; ++i) Store(Instance("1.1", "1.1.1", "1.1.1." + std::to_string(i)));
  TestInstance mr = Instance("1.1", "1.1.2", "1.1.2.0");
  mr.modality = "MR";
  mr.source = "MR_small.dcm";
  Store(mr);
  Store(Instance("1.1", "1.1.2", "1.1.2.1"));  // same series, said to be CT now

  ExpectStudyCounts("1.1", 2, 5);
  EXPECT_EQ(IntOf(Series("1.1.1"), "00201209"), 3);
  EXPECT_EQ(IntOf(Series("1.1.2"), "00201209"), 2);
  const auto study = Study("1.1");
  // The series' modality is its most recent instance's: CT again.
  EXPECT_EQ(study["00080061"]["Value"], nlohmann::json({"CT"}));
  EXPECT_EQ(study["00080062"]["Value"],
            nlohmann::json({"1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4"}));
  EXPECT_EQ(IntOf(study, "00201200"), 1);
  EXPECT_EQ(IntOf(study, "00201202"), 2);
  EXPECT_EQ(IntOf(study, "00201204"), 5);
}

TEST_F(IndexWriterTest, ModalitiesInStudyListsEverySeriesModality) {
  Store(Instance("1.1", "1.1.1", "1.1.1.0"));
  TestInstance mr = Instance("1.1", "1.1.2", "1.1.2.0");
  mr.modality = "MR";
  Store(mr);
  EXPECT_EQ(Study("1.1")["00080061"]["Value"], nlohmann::json({"CT", "MR"}));
  ASSERT_TRUE(archive_->Delete(Scope{"1.1", "1.1.2", ""}));
  EXPECT_EQ(Study("1.1")["00080061"]["Value"], nlohmann::json({"CT"}));
}

TEST_F(IndexWriterTest, InstanceResentIntoAnotherStudyMovesItsCounts) {
  Store(Instance("1.1", "1.1.1", "1.1.1.0"));
  Store(Instance("1.1", "1.1.1", "1.1.1.1"));
  Store(Instance("2.1", "2.1.1", "2.1.1.0"));
  // 1.1.1.1 again, now in study 2.1, series 2.1.2 (the ingester refuses this;
  // the writer must still keep the counts true).
  WriteRows(Instance("2.1", "2.1.2", "1.1.1.1"), 1'000'000);

  ExpectStudyCounts("1.1", 1, 1);
  ExpectStudyCounts("2.1", 2, 2);
  EXPECT_EQ(IntOf(Series("1.1.1"), "00201209"), 1);
  EXPECT_EQ(IntOf(Series("2.1.2"), "00201209"), 1);
  const auto patients = Patients();
  ASSERT_EQ(patients.size(), 1u);
  EXPECT_EQ(IntOf(patients[0], "00201200"), 2);
  EXPECT_EQ(IntOf(patients[0], "00201202"), 3);
  EXPECT_EQ(IntOf(patients[0], "00201204"), 3);
}

TEST_F(IndexWriterTest, MovingTheOnlyInstanceDeletesTheEmptyParents) {
  Store(Instance("1.1", "1.1.1", "1.1.1.0"));
  TestInstance moved = Instance("2.1", "2.1.1", "1.1.1.0");
  moved.patient_id = "P2";
  WriteRows(moved, 1'000'000);
  EXPECT_TRUE(Study("1.1").is_null());
  EXPECT_TRUE(Series("1.1.1").is_null());
  ExpectStudyCounts("2.1", 1, 1);
  const auto patients = Patients();
  ASSERT_EQ(patients.size(), 1u);
  EXPECT_EQ(TextOf(patients[0], "00100020"), "P2");
  EXPECT_EQ(IntOf(patients[0], "00201200"), 1);
  EXPECT_EQ(IntOf(patients[0], "00201204"), 1);
}

TEST_F(IndexWriterTest, SeriesResentUnderAnotherStudyMovesWithItsInstances) {
  Store(Instance("1.1", "1.1.1", "1.1.1.0"));
  Store(Instance("1.1", "1.1.1", "1.1.1.1"));
  Store(Instance("1.1", "1.1.2", "1.1.2.0"));
  // A new instance of series 1.1.1 that says it belongs to study 2.1.
  WriteRows(Instance("2.1", "1.1.1", "1.1.1.2"), 1'000'000);
  ExpectStudyCounts("1.1", 1, 1);
  ExpectStudyCounts("2.1", 1, 3);
  EXPECT_EQ(TextOf(Series("1.1.1"), "0020000D"), "2.1");
  const auto patients = Patients();
  ASSERT_EQ(patients.size(), 1u);
  EXPECT_EQ(IntOf(patients[0], "00201200"), 2);
  EXPECT_EQ(IntOf(patients[0], "00201202"), 2);
  EXPECT_EQ(IntOf(patients[0], "00201204"), 4);
  auto refs = archive_->Instances(Scope{"2.1", "", ""});
  ASSERT_TRUE(refs);
  EXPECT_EQ(refs->size(), 3u);
}

TEST_F(IndexWriterTest, StudyResentUnderAnotherPatientMovesToIt) {
  Store(Instance("1.1", "1.1.1", "1.1.1.0"));
  TestInstance other = Instance("2.1", "2.1.1", "2.1.1.0");
  other.patient_id = "P2";
  Store(other);
  TestInstance corrected = Instance("1.1", "1.1.1", "1.1.1.1");
  corrected.patient_id = "P2";
  WriteRows(corrected, 1'000'000);
  const auto patients = Patients();
  ASSERT_EQ(patients.size(), 1u);
  EXPECT_EQ(TextOf(patients[0], "00100020"), "P2");
  EXPECT_EQ(IntOf(patients[0], "00201200"), 2);
  EXPECT_EQ(IntOf(patients[0], "00201202"), 2);
  EXPECT_EQ(IntOf(patients[0], "00201204"), 3);
  EXPECT_EQ(TextOf(Study("1.1"), "00100020"), "P2");
}

TEST_F(IndexWriterTest, PatientsAreKeyedByIdAndIssuerAndStudyWhenIdIsEmpty) {
  TestInstance a = Instance("1.1", "1.1.1", "1.1.1.0");
  TestInstance b = Instance("2.1", "2.1.1", "2.1.1.0");
  b.issuer = "HOSPITAL_B";
  TestInstance c = Instance("3.1", "3.1.1", "3.1.1.0");
  c.patient_id = "";
  TestInstance d = Instance("4.1", "4.1.1", "4.1.1.0");
  d.patient_id = "";
  for (const auto& instance : {a, b, c, d}) Store(instance);
  EXPECT_EQ(Patients().size(), 4u);
}

TEST_F(IndexWriterTest, DeleteUpdatesCountsRemovesEmptyParentsAndFiles) {
  for (int i = 0; i < 3; ++i) Store(Instance("1.1", "1.1.1", "1.1.1." + std::to_string(i)));
  Store(Instance("1.1", "1.1.2", "1.1.2.0"));
  Store(Instance("2.1", "2.1.1", "2.1.1.0"));
  const auto blobs = dir_.path() / "blobs";
  ASSERT_EQ(FilesUnder(blobs).size(), 5u);

  ASSERT_TRUE(archive_->Delete(Scope{"1.1", "1.1.1", "1.1.1.0"}));
  ExpectStudyCounts("1.1", 2, 3);
  EXPECT_EQ(FilesUnder(blobs).size(), 4u);

  ASSERT_TRUE(archive_->Delete(Scope{"1.1", "1.1.1", ""}));
  ExpectStudyCounts("1.1", 1, 1);
  EXPECT_TRUE(Series("1.1.1").is_null());
  EXPECT_EQ(FilesUnder(blobs).size(), 2u);

  ASSERT_TRUE(archive_->Delete(Scope{"1.1", "", ""}));
  EXPECT_TRUE(Study("1.1").is_null());
  EXPECT_EQ(FilesUnder(blobs).size(), 1u);
  auto patients = Patients();
  ASSERT_EQ(patients.size(), 1u);
  EXPECT_EQ(IntOf(patients[0], "00201200"), 1);
  EXPECT_EQ(IntOf(patients[0], "00201204"), 1);

  ASSERT_TRUE(archive_->Delete(Scope{"2.1", "2.1.1", "2.1.1.0"}));
  EXPECT_TRUE(Patients().empty());
  EXPECT_TRUE(FilesUnder(blobs).empty());
}

// Once its rows are gone an instance is deleted, whatever the unlink of its file
// says next: Delete succeeds, the failure is reported, and the next removal
// retries it.
TEST_F(IndexWriterTest, DeleteSucceedsWhenItsFilesCannotBeRemovedAndTheNextRemovalRetries) {
  std::mutex mutex;
  std::vector<std::string> reported;
  ArchiveOptions options{dir_.path()};
  options.on_deferred_file_error = [&](const DeferredFileError& failure) {
    const std::lock_guard lock(mutex);
    reported.push_back(std::string(failure.what) + ": " + failure.error.message);
  };
  archive_.reset();
  auto reopened = ArchiveImpl::Open(options);
  ASSERT_TRUE(reopened) << reopened.error().message;
  archive_ = std::move(*reopened);
  Store(Instance("1.1", "1.1.1", "1.1.1.0"));
  archive_->Settle();
  const auto blobs = dir_.path() / "blobs";
  const auto files = FilesUnder(blobs);
  ASSERT_EQ(files.size(), 1u);
  // A folder where the blob was: unlink fails (EISDIR), for root too.
  std::filesystem::remove(files[0]);
  std::filesystem::create_directory(files[0]);

  ASSERT_TRUE(archive_->Delete(Scope{"1.1", "", ""}));
  EXPECT_TRUE(Study("1.1").is_null());
  {
    const std::lock_guard lock(mutex);
    ASSERT_EQ(reported.size(), 1u);
    EXPECT_NE(reported[0].find("the files of deleted instances could not be removed"),
              std::string::npos)
        << reported[0];
    EXPECT_NE(reported[0].find("unlink " + files[0].string()), std::string::npos) << reported[0];
  }

  // The disk behaves again, and the file is still there to remove.
  std::filesystem::remove(files[0]);
  testing::WriteInstance(files[0], Instance("1.1", "1.1.1", "1.1.1.0"));
  Store(Instance("2.1", "2.1.1", "2.1.1.0"));
  archive_->Settle();
  ASSERT_TRUE(archive_->Delete(Scope{"2.1", "", ""}));
  EXPECT_TRUE(FilesUnder(blobs).empty());
  const std::lock_guard lock(mutex);
  EXPECT_EQ(reported.size(), 1u);
}

TEST_F(IndexWriterTest, DeleteReportsWhatIsNotStored) {
  Store(Instance("1.1", "1.1.1", "1.1.1.0"));
  for (const Scope& scope : {Scope{"9.9", "", ""}, Scope{"1.1", "9.9", ""},
                             Scope{"1.1", "1.1.1", "9.9"}, Scope{"9.9", "1.1.1", "1.1.1.0"}}) {
    const auto status = archive_->Delete(scope);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  }
  ExpectStudyCounts("1.1", 1, 1);
  const auto status = archive_->Delete(Scope{"1.1", "", "1.1.1.0"});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::archive
