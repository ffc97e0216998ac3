#include "archive/ingester.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "archive_test_util.h"

namespace tessera::archive {
namespace {

using testing::FilesUnder;
using testing::IntOf;
using testing::ReadFile;
using testing::Receive;
using testing::StoreInstance;
using testing::TempDir;
using testing::TestInstance;
using testing::TextOf;

class IngesterTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    archive_.reset();
    auto archive = ArchiveImpl::Open(options_);
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
  }

  std::filesystem::path incoming() const { return dir_.path() / "incoming"; }
  // What is left in incoming/ once the settler has caught up.
  std::vector<std::filesystem::path> IncomingLeft() {
    archive_->Settle();
    return FilesUnder(incoming());
  }
  std::filesystem::path blobs() const { return dir_.path() / "blobs"; }

  nlohmann::json FindInstance(const std::string& sop_uid) {
    Query query =
        testing::QueryWith(QueryLevel::kInstance, 0x00080018, MatchType::kSingleValue, {sop_uid});
    auto result = archive_->Find(query);
    EXPECT_TRUE(result) << result.error().message;
    if (!result || result->matches.size() != 1) return nullptr;
    return result->matches[0];
  }

  TempDir dir_;
  ArchiveOptions options_{dir_.path()};
  std::unique_ptr<ArchiveImpl> archive_;
};

TEST_F(IngesterTest, OpenCreatesTheDataFolderLayout) {
  EXPECT_TRUE(std::filesystem::is_directory(blobs()));
  EXPECT_TRUE(std::filesystem::is_directory(incoming()));
  EXPECT_TRUE(std::filesystem::is_regular_file(dir_.path() / "index.db"));
}

TEST_F(IngesterTest, StoreKeepsTheFileByteForByteAndCleansIncoming) {
  TempDir scratch;
  const auto source = scratch.path() / "ct.dcm";
  testing::WriteInstance(source, TestInstance{});
  auto stored = archive_->Store(Receive(*archive_, source), "");
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->outcome, StoreOutcome::kStored);
  EXPECT_EQ(stored->study_uid, "1.2.3.1");
  EXPECT_EQ(stored->series_uid, "1.2.3.1.1");
  EXPECT_EQ(stored->sop_instance_uid, "1.2.3.1.1.1");
  EXPECT_EQ(stored->sop_class_uid, "1.2.840.10008.5.1.4.1.1.2");

  auto refs = archive_->Instances(Scope{"1.2.3.1", "", ""});
  ASSERT_TRUE(refs) << refs.error().message;
  ASSERT_EQ(refs->size(), 1u);
  const InstanceRef& ref = (*refs)[0];
  EXPECT_EQ(ReadFile(ref.path), ReadFile(source));
  EXPECT_EQ(ref.size, std::filesystem::file_size(source));
  EXPECT_EQ(ref.number_of_frames, 1u);
  EXPECT_EQ(ref.transfer_syntax_uid, "1.2.840.10008.1.2.1");
  EXPECT_EQ(ref.sop_class_uid, "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_TRUE(IncomingLeft().empty());
  EXPECT_EQ(FilesUnder(blobs()).size(), 1u);
}

TEST_F(IngesterTest, FileWhoseDescriptorWasClosedIsReopenedAndStored) {
  TempDir scratch;
  const auto source = scratch.path() / "ct.dcm";
  testing::WriteInstance(source, TestInstance{});
  IncomingFile file = Receive(*archive_, source);
  file.CloseDescriptor();
  ASSERT_LT(file.fd(), 0);
  auto stored = archive_->Store(std::move(file), "");
  ASSERT_TRUE(stored) << stored.error().message;
  auto refs = archive_->Instances(Scope{"1.2.3.1", "", ""});
  ASSERT_TRUE(refs && refs->size() == 1u);
  EXPECT_EQ(ReadFile((*refs)[0].path), ReadFile(source));
  EXPECT_TRUE(IncomingLeft().empty());
}

TEST_F(IngesterTest, FileWrittenInOddPiecesPastTheWritebackChunkIsStoredByteForByte) {
  TempDir scratch;
  const auto source = scratch.path() / "ecg.dcm";
  TestInstance instance;
  instance.source = "waveform_ecg.dcm";  // 291 KB: more than two 128 KiB writeback chunks
  testing::WriteInstance(source, instance);
  const std::string bytes = ReadFile(source);
  ASSERT_GT(bytes.size(), 256u * 1024);
  auto file = archive_->NewIncomingFile();
  ASSERT_TRUE(file);
  for (std::size_t at = 0; at < bytes.size(); at += 7777) {
    const std::size_t piece = std::min<std::size_t>(7777, bytes.size() - at);
    ASSERT_TRUE(file->Write({bytes.data() + at, piece}));
  }
  EXPECT_EQ(file->size(), bytes.size());
  auto stored = archive_->Store(std::move(*file), "");
  ASSERT_TRUE(stored) << stored.error().message;
  auto refs = archive_->Instances(Scope{instance.study_uid, "", ""});
  ASSERT_TRUE(refs);
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ(ReadFile((*refs)[0].path), bytes);
}

TEST_F(IngesterTest, StoreRejectsNonDicomAndLeavesNothingBehind) {
  auto file = archive_->NewIncomingFile();
  ASSERT_TRUE(file);
  const std::string junk(4096, 'x');
  ASSERT_TRUE(file->Write(junk));
  auto stored = archive_->Store(std::move(*file), "");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(IncomingLeft().empty());
  EXPECT_TRUE(FilesUnder(blobs()).empty());
}

TEST_F(IngesterTest, StoreRejectsTruncatedFileAndLeavesNothingBehind) {
  auto stored = archive_->Store(Receive(*archive_, testing::PydicomFile("MR_truncated.dcm")), "");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(IncomingLeft().empty());
  EXPECT_TRUE(FilesUnder(blobs()).empty());
}

TEST_F(IngesterTest, StoreRejectsForeignFiles) {
  TempDir scratch;
  const auto path = scratch.path() / "x.part";
  std::ofstream(path) << "x";
  auto stored = archive_->Store(IncomingFile(path, UniqueFd(::open(path.c_str(), O_RDONLY))), "");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(IngesterTest, StoreReportsConflictWhenStudyDiffersFromExpected) {
  auto stored = StoreInstance(*archive_, TestInstance{}, "1.2.3.999");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kConflict);
  EXPECT_NE(stored.error().message.find("Study Instance UID 1.2.3.1 does not match 1.2.3.999"),
            std::string::npos)
      << stored.error().message;
  EXPECT_TRUE(IncomingLeft().empty());
  EXPECT_TRUE(FilesUnder(blobs()).empty());
  EXPECT_TRUE(StoreInstance(*archive_, TestInstance{}, "1.2.3.1"));
}

TEST_F(IngesterTest, ResentInstanceReplacesTheOldOneAndItsBlob) {
  TestInstance first;
  first.instance_number = "7";
  ASSERT_TRUE(StoreInstance(*archive_, first));
  const auto old_blob = FilesUnder(blobs());
  ASSERT_EQ(old_blob.size(), 1u);

  TestInstance second = first;
  second.instance_number = "8";
  auto stored = StoreInstance(*archive_, second);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->outcome, StoreOutcome::kReplaced);

  archive_->Settle();  // the old blob goes with the merge
  const auto blob_files = FilesUnder(blobs());
  ASSERT_EQ(blob_files.size(), 1u);
  EXPECT_NE(blob_files[0], old_blob[0]);
  EXPECT_EQ(IntOf(FindInstance("1.2.3.1.1.1"), "00200013"), 8);
  auto study = archive_->Find(testing::AtLevel(QueryLevel::kStudy));
  ASSERT_TRUE(study);
  ASSERT_EQ(study->matches.size(), 1u);
  EXPECT_EQ(IntOf(study->matches[0], "00201206"), 1);
  EXPECT_EQ(IntOf(study->matches[0], "00201208"), 1);
  EXPECT_TRUE(IncomingLeft().empty());
}

// A STOW request's parts go in together: each gets its own outcome, in order,
// and a bad part does not stop the good ones around it.
TEST_F(IngesterTest, StoreAllDecidesEachFileOnItsOwn) {
  TempDir scratch;
  const auto write = [&](const std::string& name, const TestInstance& instance) {
    testing::WriteInstance(scratch.path() / name, instance);
    return Receive(*archive_, scratch.path() / name);
  };
  TestInstance first;
  first.instance_number = "1";
  TestInstance other_study;
  other_study.study_uid = "1.2.3.9";
  other_study.series_uid = "1.2.3.9.1";
  other_study.sop_uid = "1.2.3.9.1.1";
  TestInstance resent = first;
  resent.instance_number = "2";
  TestInstance last;
  last.sop_uid = "1.2.3.1.1.3";
  last.instance_number = "3";

  std::vector<IncomingFile> files;
  files.push_back(write("first", first));
  auto junk = archive_->NewIncomingFile();
  ASSERT_TRUE(junk);
  ASSERT_TRUE(junk->Write(std::string(4096, 'x')));
  files.push_back(std::move(*junk));
  files.push_back(write("other", other_study));
  files.push_back(write("resent", resent));
  files.push_back(write("last", last));

  auto attempts = archive_->TryStoreAll(files, "1.2.3.1");
  ASSERT_EQ(attempts.size(), 5u);
  ASSERT_TRUE(attempts[0].result) << attempts[0].result.error().message;
  EXPECT_EQ(attempts[0].result->outcome, StoreOutcome::kStored);
  ASSERT_FALSE(attempts[1].result);
  EXPECT_EQ(attempts[1].result.error().code, ErrorCode::kInvalidArgument);
  ASSERT_FALSE(attempts[2].result);
  EXPECT_EQ(attempts[2].result.error().code, ErrorCode::kConflict);
  EXPECT_EQ(attempts[2].sop_instance_uid, "1.2.3.9.1.1");
  // A second copy in the same call would replace the first while both were
  // reported stored: refused, and the first stays.
  ASSERT_FALSE(attempts[3].result);
  EXPECT_EQ(attempts[3].result.error().code, ErrorCode::kConflict);
  EXPECT_EQ(attempts[3].sop_instance_uid, "1.2.3.1.1.1");
  ASSERT_TRUE(attempts[4].result) << attempts[4].result.error().message;
  EXPECT_EQ(attempts[4].result->sop_instance_uid, "1.2.3.1.1.3");

  EXPECT_EQ(IntOf(FindInstance("1.2.3.1.1.1"), "00200013"), 1);
  EXPECT_EQ(IntOf(FindInstance("1.2.3.1.1.3"), "00200013"), 3);
  EXPECT_EQ(FilesUnder(blobs()).size(), 2u);
  EXPECT_TRUE(IncomingLeft().empty());
}

// Pages of `file` in the page cache.
std::size_t ResidentPages(const std::filesystem::path& file) {
  const UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  const auto size = static_cast<std::size_t>(std::filesystem::file_size(file));
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  EXPECT_NE(map, MAP_FAILED);
  if (map == MAP_FAILED) return 0;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((size + page - 1) / page);
  EXPECT_EQ(::mincore(map, size, resident.data()), 0);
  ::munmap(map, size);
  return static_cast<std::size_t>(std::count_if(resident.begin(), resident.end(),
                                                [](unsigned char r) { return (r & 1) != 0; }));
}

// A stream of received instances left in the page cache would evict the index
// and the studies being viewed. Both ways a file is made durable, an fsync of
// its own (one file per call) and the batch's sync (several), end with its
// pages dropped before the store returns — which the kernel does only for
// pages already written out.
TEST_F(IngesterTest, StoredInstancesLeaveThePageCacheOnceWrittenOut) {
  struct statfs file_system {};
  ASSERT_EQ(::statfs(dir_.path().c_str(), &file_system), 0);
  if (file_system.f_type == TMPFS_MAGIC) GTEST_SKIP() << "tmpfs keeps every page in memory";
  TempDir scratch;
  std::vector<IncomingFile> single;
  std::vector<IncomingFile> several;
  for (int i = 1; i <= 4; ++i) {
    TestInstance instance;
    instance.sop_uid = "1.2.3.1.1." + std::to_string(i);
    const auto file = scratch.path() / std::to_string(i);
    testing::WriteInstance(file, instance);
    (i == 1 ? single : several).push_back(Receive(*archive_, file));
  }
  for (auto* files : {&single, &several}) {
    for (const auto& attempt : archive_->TryStoreAll(*files, "")) {
      ASSERT_TRUE(attempt.result) << attempt.result.error().message;
    }
  }
  const auto stored = FilesUnder(blobs());
  ASSERT_EQ(stored.size(), 4u);
  for (const auto& blob : stored) EXPECT_EQ(ResidentPages(blob), 0u) << blob;
}

// A series or study keeps its parent: one mislabelled instance must not move a
// stored series to another study, or a stored study to another patient.
TEST_F(IngesterTest, InstanceThatWouldRefileAStoredSeriesOrStudyIsRefused) {
  ASSERT_TRUE(StoreInstance(*archive_, TestInstance{}));
  archive_->Settle();  // the check below reads the index, not the merger's queue

  TestInstance other_series;  // the stored instance again, in a new series of its study
  other_series.series_uid = "1.2.3.1.9";
  auto moved = StoreInstance(*archive_, other_series);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::kConflict);
  EXPECT_EQ(moved.error().message,
            "instance already stored in another series: SOP Instance UID 1.2.3.1.1.1 is in "
            "series 1.2.3.1.1, not 1.2.3.1.9");

  TestInstance other_study;
  other_study.study_uid = "1.2.3.2";
  other_study.sop_uid = "1.2.3.2.1.1";  // series 1.2.3.1.1, stored under 1.2.3.1
  auto stored = StoreInstance(*archive_, other_study);
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kConflict);
  EXPECT_EQ(stored.error().message,
            "series already stored under another study: Series Instance UID 1.2.3.1.1 is in "
            "study 1.2.3.1, not 1.2.3.2");

  TestInstance other_patient;
  other_patient.series_uid = "1.2.3.1.2";
  other_patient.sop_uid = "1.2.3.1.2.1";
  other_patient.patient_id = "P2";
  TestInstance other_issuer = other_patient;
  other_issuer.patient_id = "P1";
  other_issuer.issuer = "ELSEWHERE";
  for (const TestInstance& instance : {other_patient, other_issuer}) {
    stored = StoreInstance(*archive_, instance);
    ASSERT_FALSE(stored);
    EXPECT_EQ(stored.error().code, ErrorCode::kConflict);
    EXPECT_EQ(stored.error().message,
              "study already stored under another patient: Study Instance UID 1.2.3.1 has "
              "another Patient ID (or issuer)");
  }

  // Nothing moved, nothing was added.
  auto studies = archive_->Find(testing::AtLevel(QueryLevel::kStudy));
  ASSERT_TRUE(studies);
  ASSERT_EQ(studies->matches.size(), 1u);
  EXPECT_EQ(TextOf(studies->matches[0], "0020000D"), "1.2.3.1");
  EXPECT_EQ(TextOf(studies->matches[0], "00100020"), "P1");
  EXPECT_EQ(IntOf(studies->matches[0], "00201208"), 1);
  EXPECT_EQ(FilesUnder(blobs()).size(), 1u);
  EXPECT_TRUE(IncomingLeft().empty());

  // The same series and study, consistently labelled, are welcome.
  TestInstance more;
  more.sop_uid = "1.2.3.1.1.2";
  EXPECT_TRUE(StoreInstance(*archive_, more));
}

// The index rows come after the acknowledgement, so the check must also see
// the instances of its own batch and of the merger's queue.
TEST_F(IngesterTest, RefilingIsRefusedBeforeTheIndexHasTheRows) {
  TempDir scratch;
  const auto receive = [&](const TestInstance& instance) {
    const auto path = scratch.path() / instance.sop_uid;
    testing::WriteInstance(path, instance);
    return Receive(*archive_, path);
  };
  // The merger stops before its first transaction: nothing reaches the index.
  ArchiveHooks hooks;
  hooks.crash = [](IngestStep step) { return step == IngestStep::kMerging; };
  archive_.reset();
  auto opened = ArchiveImpl::Open(options_, hooks);
  ASSERT_TRUE(opened) << opened.error().message;
  archive_ = std::move(*opened);

  TestInstance first;
  TestInstance same_batch;  // the first's series, under another study
  same_batch.study_uid = "1.2.3.2";
  same_batch.sop_uid = "1.2.3.2.1.1";
  std::vector<IncomingFile> files;
  files.push_back(receive(first));
  files.push_back(receive(same_batch));
  auto attempts = archive_->TryStoreAll(files, "");
  ASSERT_EQ(attempts.size(), 2u);
  ASSERT_TRUE(attempts[0].result) << attempts[0].result.error().message;
  ASSERT_FALSE(attempts[1].result);
  EXPECT_EQ(attempts[1].result.error().code, ErrorCode::kConflict);

  TestInstance queued;  // first's study, under another patient
  queued.series_uid = "1.2.3.1.2";
  queued.sop_uid = "1.2.3.1.2.1";
  queued.patient_id = "P2";
  auto stored = archive_->Store(receive(queued), "");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kConflict);
  TestInstance queued_instance;  // first, in another series of its study
  queued_instance.series_uid = "1.2.3.1.3";
  stored = archive_->Store(receive(queued_instance), "");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kConflict);
  EXPECT_NE(stored.error().message.find("in another series"), std::string::npos);
  TestInstance consistent;
  consistent.sop_uid = "1.2.3.1.1.2";
  EXPECT_TRUE(archive_->Store(receive(consistent), ""));
  TestInstance resent;  // first again, where it was: a replacement, welcome
  EXPECT_TRUE(archive_->Store(receive(resent), ""));
}

TEST_F(IngesterTest, KeepPolicyKeepsOutADuplicateWhateverParentsItClaims) {
  options_.duplicates = DuplicatePolicy::kKeep;
  Reopen();
  ASSERT_TRUE(StoreInstance(*archive_, TestInstance{}));
  TestInstance relabelled;  // the same instance, said to be another patient's
  relabelled.patient_id = "P2";
  for (int i = 0; i < 2; ++i) {  // through the early check, and past it (see Prepare)
    auto stored = StoreInstance(*archive_, relabelled);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored->outcome, StoreOutcome::kKept);
  }
  auto study = archive_->Find(testing::AtLevel(QueryLevel::kStudy));
  ASSERT_TRUE(study);
  ASSERT_EQ(study->matches.size(), 1u);
  EXPECT_EQ(TextOf(study->matches[0], "00100020"), "P1");
}

TEST_F(IngesterTest, KeepPolicyAcknowledgesDuplicatesWithoutStoringThem) {
  options_.duplicates = DuplicatePolicy::kKeep;
  Reopen();
  TestInstance first;
  first.instance_number = "7";
  ASSERT_TRUE(StoreInstance(*archive_, first));
  TestInstance second = first;
  second.instance_number = "8";
  auto stored = StoreInstance(*archive_, second);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->outcome, StoreOutcome::kKept);
  EXPECT_EQ(IntOf(FindInstance("1.2.3.1.1.1"), "00200013"), 7);
  EXPECT_EQ(FilesUnder(blobs()).size(), 1u);
  EXPECT_TRUE(IncomingLeft().empty());
}

TEST_F(IngesterTest, UnstoredIncomingFileIsDeletedWithItsObject) {
  std::filesystem::path path;
  {
    auto file = archive_->NewIncomingFile();
    ASSERT_TRUE(file);
    path = file->path();
    EXPECT_TRUE(std::filesystem::exists(path));
    IncomingFile moved = std::move(*file);
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(IngesterTest, ConcurrentStoresFromFourThreadsAreAllStoredAndCounted) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  TempDir scratch;
  // Two studies, each thread writing its own series into one of them.
  std::vector<std::vector<std::filesystem::path>> files(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      TestInstance instance;
      instance.study_uid = "1.2.9." + std::to_string(t % 2);
      instance.series_uid = "1.2.9." + std::to_string(t % 2) + "." + std::to_string(t);
      instance.sop_uid = instance.series_uid + "." + std::to_string(i);
      instance.instance_number = std::to_string(i);
      instance.modality = t < 2 ? "CT" : "MR";
      const auto path = scratch.path() / (std::to_string(t) + "-" + std::to_string(i) + ".dcm");
      testing::WriteInstance(path, instance);
      files[t].push_back(path);
    }
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& path : files[t]) {
        auto stored = archive_->Store(Receive(*archive_, path), "");
        if (!stored) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ timing   ] %d stores from %d threads: %.0f instances/s\n", kThreads * kPerThread,
              kThreads, kThreads * kPerThread / seconds);
  EXPECT_EQ(failures.load(), 0);

  auto studies = archive_->Find(testing::AtLevel(QueryLevel::kStudy));
  ASSERT_TRUE(studies);
  ASSERT_EQ(studies->matches.size(), 2u);
  for (const auto& study : studies->matches) {
    EXPECT_EQ(IntOf(study, "00201206"), 2);
    EXPECT_EQ(IntOf(study, "00201208"), 2 * kPerThread);
    EXPECT_EQ(study["00080061"]["Value"], nlohmann::json({"CT", "MR"}));
  }
  auto patients = archive_->Find(testing::AtLevel(QueryLevel::kPatient));
  ASSERT_TRUE(patients);
  ASSERT_EQ(patients->matches.size(), 1u);
  EXPECT_EQ(IntOf(patients->matches[0], "00201200"), 2);
  EXPECT_EQ(IntOf(patients->matches[0], "00201202"), kThreads);
  EXPECT_EQ(IntOf(patients->matches[0], "00201204"), kThreads * kPerThread);
  EXPECT_EQ(FilesUnder(blobs()).size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_TRUE(IncomingLeft().empty());
}

// An accepted instance is stored even when its blob name cannot be linked (a
// full disk may refuse its folder a new block): the caller is told it is
// stored; while the merger cannot link it either, reads answer from the index
// as it is and say how many are missing, deletes are refused, the lag is
// reported once; and the instance appears once the link works.
TEST_F(IngesterTest, AnInstanceWhoseBlobNameCannotBeLinkedIsStoredAndFoundOnceItCan) {
  // Shared: the merger's thread may report after this test's locals are gone.
  struct Reports {
    std::mutex mutex;
    std::vector<IndexLag> list;
  };
  const auto reports = std::make_shared<Reports>();
  options_.on_index_lag = [reports](const IndexLag& lag) {
    std::lock_guard lock(reports->mutex);
    reports->list.push_back(lag);
  };
  Reopen();
  TestInstance earlier;
  earlier.sop_uid = "1.2.3.1.1.9";
  ASSERT_TRUE(StoreInstance(*archive_, earlier));
  archive_->Settle();
  const auto obstacle = blobs() / "0000" / "000";  // a file where the blob folder goes
  std::filesystem::rename(obstacle, dir_.path() / "moved");
  std::ofstream(obstacle) << "in the way";

  auto stored = StoreInstance(*archive_, TestInstance{});
  ASSERT_TRUE(stored) << stored.error().message;
  auto lagging = archive_->Find(testing::AtLevel(QueryLevel::kInstance));
  ASSERT_TRUE(lagging) << "a read must not fail because the index is behind";
  EXPECT_EQ(lagging->unindexed, 1u);
  EXPECT_EQ(lagging->matches.size(), 1u) << "what the index holds is still found";
  auto old = archive_->Instances(Scope{"1.2.3.1", "1.2.3.1.1", "1.2.3.1.1.9"});
  ASSERT_TRUE(old);
  EXPECT_EQ(old->size(), 1u);
  auto partial = archive_->Instances(Scope{"1.2.3.1", "", ""});
  ASSERT_FALSE(partial) << "the study would be read in part";
  EXPECT_EQ(partial.error().code, ErrorCode::kUnavailable);
  auto refused = archive_->Delete(Scope{"1.2.3.1", "", ""});
  ASSERT_FALSE(refused) << "a pending merge would bring deleted rows back";
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);

  std::filesystem::remove(obstacle);
  std::filesystem::rename(dir_.path() / "moved", obstacle);
  std::size_t found = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (found < 2 && std::chrono::steady_clock::now() < deadline) {
    auto result = archive_->Find(testing::AtLevel(QueryLevel::kInstance));
    if (result && result->unindexed == 0) found = result->matches.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(found, 2u);
  auto refs = archive_->Instances(Scope{"1.2.3.1", "", ""});
  ASSERT_TRUE(refs);
  ASSERT_EQ(refs->size(), 2u);
  for (const auto& ref : *refs) EXPECT_TRUE(std::filesystem::exists(ref.path));
  EXPECT_TRUE(IncomingLeft().empty());
  // The report of catching up follows the merge that readers already see.
  const auto reported = [&] {
    std::lock_guard lock(reports->mutex);
    return reports->list.size();
  };
  while (reported() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(reports->mutex);
  const auto& list = reports->list;
  ASSERT_EQ(list.size(), 2u) << "one report when it falls behind, one when it catches up";
  EXPECT_TRUE(list[0].behind);
  EXPECT_EQ(list[0].waiting, 1u);
  EXPECT_NE(list[0].error.find("link"), std::string::npos) << list[0].error;
  EXPECT_FALSE(list[1].behind);
}

// While the index cannot be written, the accepted instances wait in the
// merger's queue; past half of its bound, new stores are refused before their
// acceptance rather than left hanging in a full queue, and leave nothing
// behind. Once the index can be written again, everything accepted is found
// and stores are taken.
TEST_F(IngesterTest, StoresAreRefusedOnceTheQueueOfAFailingIndexIsHalfFull) {
  const auto obstacle = blobs() / "0000";  // a file where every blob folder goes
  std::ofstream(obstacle) << "in the way";

  TempDir scratch;
  std::size_t accepted = 0;
  std::optional<Error> refusal;
  for (int chunk = 0; !refusal && chunk < 12; ++chunk) {
    std::vector<IncomingFile> files;
    for (int i = 0; i < 512; ++i) {
      TestInstance instance;
      instance.sop_uid = "1.2.3.1.1." + std::to_string(chunk * 512 + i + 1);
      const auto path = scratch.path() / "one.dcm";
      testing::WriteInstance(path, instance);
      files.push_back(Receive(*archive_, path));
    }
    for (auto& attempt : archive_->TryStoreAll(files, "")) {
      if (attempt.result) {
        ++accepted;
      } else if (!refusal) {
        refusal = attempt.result.error();
      }
    }
  }
  ASSERT_TRUE(refusal) << accepted << " accepted and none refused";
  EXPECT_GE(accepted, Merger::kMaxQueued / 2);
  EXPECT_LT(accepted, Merger::kMaxQueued);
  EXPECT_NE(refusal->message.find("0000"), std::string::npos) << refusal->message;
  EXPECT_EQ(FilesUnder(incoming()).size(), accepted) << "the refused leave no file";

  std::filesystem::remove(obstacle);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::size_t found = 0;
  while (found < accepted && std::chrono::steady_clock::now() < deadline) {
    auto result = archive_->Find(testing::AtLevel(QueryLevel::kInstance));
    if (result && result->unindexed == 0) found = result->matches.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(found, accepted);
  TestInstance after;
  after.sop_uid = "1.2.3.1.1.999999";
  EXPECT_TRUE(StoreInstance(*archive_, after));
}

// The rows are written after the acknowledgement, in the merger's batches; a
// read must still find each instance the moment its store has returned.
TEST_F(IngesterTest, EachStoreIsSeenByAReadRightAfterItsAcknowledgement) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 15;
  TempDir scratch;
  std::vector<std::vector<std::filesystem::path>> files(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      TestInstance instance;
      instance.sop_uid = "1.2.3.1.1." + std::to_string(t) + "." + std::to_string(i);
      files[t].push_back(scratch.path() / (instance.sop_uid + ".dcm"));
      testing::WriteInstance(files[t].back(), instance);
    }
  }
  std::atomic<int> failures{0};
  std::atomic<int> unseen{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& path : files[t]) {
        auto stored = archive_->Store(Receive(*archive_, path), "");
        if (!stored) {
          ++failures;
          continue;
        }
        Query query = testing::QueryWith(QueryLevel::kInstance, 0x00080018, MatchType::kSingleValue,
                                         {stored->sop_instance_uid});
        auto found = archive_->Find(query);
        if (!found || found->matches.size() != 1) ++unseen;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(unseen.load(), 0);
}

TEST_F(IngesterTest, ConcurrentDuplicatesUnderKeepLeaveOneBlobEach) {
  // Four threads send the same instances at once, so that one group commit
  // often holds several copies: the first is stored, the others are kept out
  // before they are accepted.
  options_.duplicates = DuplicatePolicy::kKeep;
  Reopen();
  constexpr int kThreads = 4;
  constexpr int kInstances = 30;
  TempDir scratch;
  std::vector<std::filesystem::path> files;
  for (int i = 0; i < kInstances; ++i) {
    TestInstance instance;
    instance.sop_uid = "1.2.3.1.1." + std::to_string(i + 1);
    instance.instance_number = std::to_string(i + 1);
    files.push_back(scratch.path() / (std::to_string(i) + ".dcm"));
    testing::WriteInstance(files.back(), instance);
  }
  std::atomic<int> failures{0};
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (const auto& path : files) {
        auto result = archive_->Store(Receive(*archive_, path), "");
        if (!result) {
          ++failures;
        } else if (result->outcome == StoreOutcome::kStored) {
          ++stored;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(stored.load(), kInstances);
  auto instances = archive_->Find(testing::AtLevel(QueryLevel::kInstance));
  ASSERT_TRUE(instances);
  EXPECT_EQ(instances->matches.size(), static_cast<std::size_t>(kInstances));
  EXPECT_EQ(FilesUnder(blobs()).size(), static_cast<std::size_t>(kInstances));
  EXPECT_TRUE(IncomingLeft().empty());
}

}  // namespace
}  // namespace tessera::archive
