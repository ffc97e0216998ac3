#include "archive/recovery.h"

#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive/sql_helpers.h"
#include "archive_test_util.h"
#include "dicom/instance_reader.h"

namespace tessera::archive {
namespace {

using testing::FilesUnder;
using testing::IntOf;
using testing::Receive;
using testing::TempDir;
using testing::TestInstance;

class RecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // Opens the archive; the hook makes the store/delete stop after `crash_after`.
  void Open(std::optional<IngestStep> crash_after = std::nullopt) {
    archive_.reset();
    ArchiveHooks hooks;
    if (crash_after) {
      hooks.crash = [step = *crash_after](IngestStep at) { return at == step; };
    }
    auto archive = ArchiveImpl::Open(ArchiveOptions{dir_.path()}, std::move(hooks));
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
  }

  Result<StoredInstance> Store(const TestInstance& instance) {
    const auto path = scratch_.path() / (instance.sop_uid + "-" + instance.instance_number);
    testing::WriteInstance(path, instance);
    return archive_->Store(Receive(*archive_, path), "");
  }

  std::size_t InstanceCount() {
    auto result = archive_->Find(testing::AtLevel(QueryLevel::kInstance));
    EXPECT_TRUE(result);
    return result ? result->matches.size() : 0;
  }

  std::int64_t GarbageRows() {
    archive_->Settle();  // the merger's transactions drop disposed rows
    auto count = archive_->database().Write(
        [](db::Connection& c) { return QueryInt(c, "SELECT count(*) FROM garbage"); });
    EXPECT_TRUE(count);
    return count && *count ? **count : -1;
  }

  std::vector<std::filesystem::path> Incoming() { return FilesUnder(dir_.path() / "incoming"); }
  std::vector<std::filesystem::path> Blobs() { return FilesUnder(dir_.path() / "blobs"); }

  TempDir dir_;
  TempDir scratch_;
  std::unique_ptr<ArchiveImpl> archive_;
};

TEST_F(RecoveryTest, CrashBeforeTheAcceptanceLeavesNothingAfterRestart) {
  Open(IngestStep::kFileSynced);
  TestInstance instance;
  auto stored = Store(instance);
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kUnavailable);
  ASSERT_EQ(Incoming().size(), 1u);  // what a dead process leaves
  EXPECT_EQ(Incoming()[0].extension(), ".part");
  EXPECT_TRUE(Blobs().empty());

  Open();
  EXPECT_EQ(InstanceCount(), 0u);
  EXPECT_TRUE(Incoming().empty());
  EXPECT_TRUE(Blobs().empty());
  EXPECT_EQ(archive_->recovery().removed, 1u);
  EXPECT_EQ(archive_->recovery().indexed + archive_->recovery().settled, 0u);
  ASSERT_TRUE(Store(instance));  // and the same instance can come again
  EXPECT_EQ(InstanceCount(), 1u);
}

// Once its acceptance is durable the instance is stored, even if the process
// dies before it can say so.
TEST_F(RecoveryTest, CrashAfterTheAcceptanceKeepsTheInstance) {
  Open(IngestStep::kAccepted);
  auto stored = Store(TestInstance{});
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kUnavailable);
  ASSERT_EQ(Incoming().size(), 1u);
  EXPECT_EQ(Incoming()[0].extension(), ".accepted");
  EXPECT_TRUE(Blobs().empty());

  Open();
  EXPECT_EQ(InstanceCount(), 1u);
  EXPECT_TRUE(Incoming().empty());
  EXPECT_EQ(Blobs().size(), 1u);
}

// Acknowledged, and the merger never wrote the rows: the accepted file is
// parsed and indexed at the next start, with what the client sent.
TEST_F(RecoveryTest, AnAcknowledgedInstanceTheMergerDidNotGetToIsIndexedAtRestart) {
  Open(IngestStep::kMerging);
  TestInstance instance;
  instance.instance_number = "7";
  const auto source = scratch_.path() / "source.dcm";
  testing::WriteInstance(source, instance);
  auto stored = archive_->Store(Receive(*archive_, source), "");
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->outcome, StoreOutcome::kStored);
  archive_->Settle();  // lets the merger run into its crash
  EXPECT_FALSE(archive_->Find(testing::AtLevel(QueryLevel::kInstance)))
      << "a stopped merger must not let reads miss what was acknowledged";
  ASSERT_EQ(Incoming().size(), 1u);
  EXPECT_EQ(Incoming()[0].extension(), ".accepted");

  Open();
  EXPECT_TRUE(Incoming().empty());
  EXPECT_EQ(archive_->recovery().indexed, 1u);
  EXPECT_EQ(archive_->recovery().settled + archive_->recovery().removed, 0u);
  auto result = archive_->Find(testing::AtLevel(QueryLevel::kInstance));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->matches.size(), 1u);
  EXPECT_EQ(IntOf(result->matches[0], "00200013"), 7);
  ASSERT_EQ(Blobs().size(), 1u);
  auto refs = archive_->Instances(Scope{instance.study_uid, "", ""});
  ASSERT_TRUE(refs);
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ((*refs)[0].path, Blobs()[0]);
  EXPECT_EQ(testing::ReadFile(Blobs()[0]), testing::ReadFile(source));
}

TEST_F(RecoveryTest, CrashAfterTheCommitKeepsTheInstance) {
  Open(IngestStep::kCommitted);
  ASSERT_TRUE(Store(TestInstance{}));
  archive_->Settle();
  EXPECT_EQ(Incoming().size(), 1u);
  Open();
  EXPECT_EQ(InstanceCount(), 1u);
  EXPECT_TRUE(Incoming().empty());
  EXPECT_EQ(archive_->recovery().settled, 1u);
  EXPECT_EQ(archive_->recovery().indexed + archive_->recovery().removed, 0u);
  archive_.reset();
  Open();  // a clean stop leaves nothing to recover
  EXPECT_EQ(
      archive_->recovery().indexed + archive_->recovery().settled + archive_->recovery().removed,
      0u);
  ASSERT_EQ(Blobs().size(), 1u);
  auto refs = archive_->Instances(Scope{"1.2.3.1", "", ""});
  ASSERT_TRUE(refs);
  EXPECT_EQ((*refs)[0].path, Blobs()[0]);
}

// The acknowledgement comes before the blob folder's fsync; a crash in between
// can lose the blob name, and the incoming name brings it back.
TEST_F(RecoveryTest, ABlobNameLostAfterTheCommitIsLinkedAgainAtRestart) {
  TestInstance instance;
  const auto source = scratch_.path() / "source.dcm";
  testing::WriteInstance(source, instance);
  Open(IngestStep::kCommitted);
  ASSERT_TRUE(archive_->Store(Receive(*archive_, source), ""));
  archive_->Settle();
  ASSERT_EQ(Incoming().size(), 1u);
  ASSERT_EQ(Blobs().size(), 1u);
  const auto blob = Blobs()[0];
  archive_.reset();
  std::filesystem::remove(blob);  // what the crash lost
  std::filesystem::remove(blob.parent_path());

  Open();
  EXPECT_TRUE(Incoming().empty());
  ASSERT_EQ(Blobs(), std::vector<std::filesystem::path>{blob});
  auto refs = archive_->Instances(Scope{instance.study_uid, "", ""});
  ASSERT_TRUE(refs);
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ((*refs)[0].path, blob);
  EXPECT_EQ(testing::ReadFile(blob), testing::ReadFile(source));
}

TEST_F(RecoveryTest, CrashBeforeTheOldBlobOfAReplacementIsRemovedRemovesItAtRestart) {
  TestInstance instance;
  instance.instance_number = "1";
  ASSERT_TRUE(Store(instance));
  Open(IngestStep::kHandedOver);
  instance.instance_number = "2";
  auto replaced = Store(instance);
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->outcome, StoreOutcome::kReplaced);
  EXPECT_EQ(GarbageRows(), 1);  // after the merge
  EXPECT_EQ(Blobs().size(), 2u);
  Open();
  EXPECT_EQ(Blobs().size(), 1u);
  EXPECT_EQ(GarbageRows(), 0);
  auto result = archive_->Find(testing::AtLevel(QueryLevel::kInstance));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->matches.size(), 1u);
  EXPECT_EQ(IntOf(result->matches[0], "00200013"), 2);
}

// A transaction that rolls back (the delete of nothing) gives the disposed
// numbers back: the next write drops their garbage rows, not a restart.
TEST_F(RecoveryTest, ARolledBackDeleteLeavesTheGarbageRowsToTheNextWrite) {
  TestInstance instance;
  instance.instance_number = "1";
  ASSERT_TRUE(Store(instance));
  instance.instance_number = "2";
  ASSERT_TRUE(Store(instance));  // replaces: the first blob is disposed of
  EXPECT_EQ(GarbageRows(), 1);
  EXPECT_EQ(archive_->Delete(Scope{"9.9.9", "", ""}).error().code, ErrorCode::kNotFound);
  TestInstance other;
  other.sop_uid = "1.2.3.1.1.2";
  ASSERT_TRUE(Store(other));
  EXPECT_EQ(GarbageRows(), 0);
}

// A merged instance replaced before the settler unlinked its accepted name:
// the name must not bring the old instance back.
TEST_F(RecoveryTest, AnAcceptedNameOfAReplacedInstanceDoesNotComeBack) {
  TestInstance instance;
  instance.instance_number = "1";
  ASSERT_TRUE(Store(instance));
  const auto first_blob = Blobs();
  ASSERT_EQ(first_blob.size(), 1u);
  const auto accepted_name =
      dir_.path() / "incoming" / first_blob[0].filename().replace_extension(".accepted");
  instance.instance_number = "2";
  ASSERT_TRUE(Store(instance));
  // What a crash just after the old instance's merge could leave: its garbage
  // row, its blob, and its accepted name.
  archive_->Settle();  // the merge of the second adds the row; no write since drops it
  ASSERT_TRUE(archive_->database().Write([&](db::Connection& c) -> Status {
    return c.Exec("INSERT OR IGNORE INTO garbage(blob) VALUES (" +
                  std::to_string(std::stoll(first_blob[0].stem().string(), nullptr, 16)) + ")");
  }));
  EXPECT_EQ(GarbageRows(), 1);
  archive_.reset();
  std::filesystem::copy_file(scratch_.path() / "1.2.3.1.1.1-1", accepted_name);
  std::filesystem::create_hard_link(accepted_name, first_blob[0]);

  Open();
  EXPECT_TRUE(Incoming().empty());
  EXPECT_EQ(GarbageRows(), 0);
  auto result = archive_->Find(testing::AtLevel(QueryLevel::kInstance));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->matches.size(), 1u);
  EXPECT_EQ(IntOf(result->matches[0], "00200013"), 2);
  EXPECT_EQ(Blobs().size(), 1u);
}

TEST_F(RecoveryTest, CrashBetweenDeleteCommitAndUnlinkRemovesFilesAtRestart) {
  Open(IngestStep::kDeleteCommitted);
  ASSERT_TRUE(Store(TestInstance{}));
  TestInstance second;
  second.sop_uid = "1.2.3.1.1.2";
  ASSERT_TRUE(Store(second));
  ASSERT_FALSE(archive_->Delete(Scope{"1.2.3.1", "", ""}));
  EXPECT_EQ(Blobs().size(), 2u);
  EXPECT_EQ(InstanceCount(), 0u);
  Open();
  EXPECT_TRUE(Blobs().empty());
  EXPECT_EQ(GarbageRows(), 0);
}

TEST_F(RecoveryTest, DisposedGarbageRowsGoWithTheNextWrite) {
  ASSERT_TRUE(Store(TestInstance{}));
  ASSERT_TRUE(archive_->Delete(Scope{"1.2.3.1", "", ""}));
  EXPECT_EQ(GarbageRows(), 1);
  TestInstance other;
  other.study_uid = "1.2.3.2";
  ASSERT_TRUE(Store(other));
  EXPECT_EQ(GarbageRows(), 0);
}

TEST_F(RecoveryTest, LeftoversInIncomingAreSettledAtOpen) {
  ASSERT_TRUE(Store(TestInstance{}));
  const auto stored_blob = Blobs();
  ASSERT_EQ(stored_blob.size(), 1u);
  archive_.reset();

  // A foreign file, an uncommitted instance with its blob link, and a received
  // file that never got further.
  const auto incoming = dir_.path() / "incoming";
  std::ofstream(incoming / "notes.txt") << "x";
  std::ofstream(incoming / "7f0.part") << "partial";
  std::ofstream(incoming / "7f1.part") << "linked";
  const auto blob = dir_.path() / "blobs" / "0000" / "000" / "7f1.dcm";
  std::filesystem::create_hard_link(incoming / "7f1.part", blob);
  // And an instance accepted (acknowledged) before its rows were written.
  TestInstance accepted;
  accepted.study_uid = "1.2.3.2";
  accepted.series_uid = "1.2.3.2.1";
  accepted.sop_uid = "1.2.3.2.1.1";
  testing::WriteInstance(incoming / "7f2.accepted", accepted);

  Open();
  EXPECT_TRUE(Incoming().empty());
  const auto blobs = Blobs();
  EXPECT_EQ(std::set(blobs.begin(), blobs.end()),
            (std::set<std::filesystem::path>{stored_blob[0],
                                             dir_.path() / "blobs" / "0000" / "000" / "7f2.dcm"}));
  EXPECT_EQ(InstanceCount(), 2u);
  // Numbers seen in incoming/ are not handed out again.
  auto next = archive_->NewIncomingFile();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->path().filename(), "7f3.part");
}

TEST_F(RecoveryTest, NumbersAreNeverReusedAfterDeletes) {
  ASSERT_TRUE(Store(TestInstance{}));
  const auto first = Blobs();
  ASSERT_TRUE(archive_->Delete(Scope{"1.2.3.1", "", ""}));
  Open();
  ASSERT_TRUE(Store(TestInstance{}));
  ASSERT_EQ(Blobs().size(), 1u);
  EXPECT_NE(Blobs()[0], first[0]);
}

TEST_F(RecoveryTest, ASecondOpenOfTheSameFolderIsRefused) {
  auto second = ArchiveImpl::Open(ArchiveOptions{dir_.path()});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
}

// A real crash: a child process stores (and re-stores) instances from two
// threads and is killed with SIGKILL at a random moment. After reopening, every
// indexed instance has its intact blob, every blob is indexed, nothing is left in
// incoming/ and the counts match.
TEST_F(RecoveryTest, KillNineDuringStoresLeavesAConsistentArchive) {
  archive_.reset();
  constexpr int kFiles = 60;
  std::vector<std::filesystem::path> files;
  for (int i = 0; i < kFiles; ++i) {
    TestInstance instance;
    instance.series_uid = "1.2.3.1." + std::to_string(i % 3);
    // Half the UIDs repeat so that replacements are in flight too.
    instance.sop_uid = instance.series_uid + "." + std::to_string(i % (kFiles / 2));
    instance.instance_number = std::to_string(i);
    files.push_back(scratch_.path() / (std::to_string(i) + ".dcm"));
    testing::WriteInstance(files.back(), instance);
  }
  std::mt19937 random(12345);
  const auto acked_path = scratch_.path() / "acknowledged.txt";
  std::size_t acknowledged = 0;  // in all rounds
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    std::filesystem::remove(acked_path);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto archive = ArchiveImpl::Open(ArchiveOptions{dir_.path()});
      if (!archive) ::_exit(2);
      // Each acknowledged new UID, written before the next store: SIGKILL keeps
      // what reached the page cache.
      const int acked = ::open(acked_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      std::vector<std::thread> threads;
      for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&, t] {
          for (int n = 0;; ++n) {
            const auto& file = files[(n * 2 + t) % kFiles];
            (void)(*archive)->Store(Receive(**archive, file), "");
            // A UID of its own, so that an older copy cannot hide its loss.
            TestInstance fresh;
            fresh.series_uid = "1.2.3.1.9";
            fresh.sop_uid = "1.2.3.1.9." + std::to_string(round) + "." + std::to_string(t) + "." +
                            std::to_string(n);
            const auto path = scratch_.path() / (fresh.sop_uid + ".dcm");
            testing::WriteInstance(path, fresh);
            auto stored = (*archive)->Store(Receive(**archive, path), "");
            if (!stored) continue;
            const std::string line = stored->sop_instance_uid + "\n";
            if (::write(acked, line.data(), line.size()) < 0) ::_exit(3);
          }
        });
      }
      for (auto& thread : threads) thread.join();
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + random() % 400));
    ::kill(child, SIGKILL);
    int wstatus = 0;
    ::waitpid(child, &wstatus, 0);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early: " << WEXITSTATUS(wstatus);

    Open();
    EXPECT_TRUE(Incoming().empty());
    EXPECT_EQ(GarbageRows(), 0);
    auto result = archive_->Find(testing::AtLevel(QueryLevel::kInstance));
    ASSERT_TRUE(result);
    std::size_t indexed = 0;
    auto refs = archive_->Instances(Scope{"1.2.3.1", "", ""});
    if (refs) {
      for (const auto& ref : *refs) {
        ++indexed;
        auto info = dicom::ReadInstance(ref.path, {});
        ASSERT_TRUE(info) << ref.path << ": " << info.error().message;
        EXPECT_EQ(info->sop_instance_uid, ref.sop_instance_uid);
        EXPECT_EQ(std::filesystem::file_size(ref.path), ref.size);
      }
    }
    EXPECT_EQ(result->matches.size(), indexed);
    EXPECT_EQ(Blobs().size(), indexed);
    std::set<std::string> present;
    for (const auto& match : result->matches) present.insert(testing::TextOf(match, "00080018"));
    std::ifstream acked_file(acked_path);
    for (std::string uid; std::getline(acked_file, uid); ++acknowledged) {
      EXPECT_TRUE(present.contains(uid)) << uid << " was acknowledged and is gone";
    }
    EXPECT_GT(indexed, 0u) << "the child should have stored something";
    auto study = archive_->Find(testing::AtLevel(QueryLevel::kStudy));
    ASSERT_TRUE(study);
    if (indexed > 0) {
      ASSERT_EQ(study->matches.size(), 1u);
      EXPECT_EQ(IntOf(study->matches[0], "00201208"), static_cast<std::int64_t>(indexed));
    }
    archive_.reset();
  }
  EXPECT_GT(acknowledged, 0u) << "the children should have acknowledged something";
}

}  // namespace
}  // namespace tessera::archive
