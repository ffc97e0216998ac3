#include "dimse/storage_commitment.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <gtest/gtest.h>

#include "dicom/attribute_dictionary.h"
#include "dimse/commitment_reporter.h"
#include "service_test_support.h"

namespace tessera::dimse {
namespace {

using service_test::InstanceSpec;
using service_test::NewUid;
using service_test::WriteInstance;

constexpr const char* kCtImage = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char* kMrImage = "1.2.840.10008.5.1.4.1.1.4";

DcmDataset ActionInformation(const std::string& transaction,
                             const std::vector<CommitmentItem>& items) {
  DcmDataset information;
  if (!transaction.empty()) {
    information.putAndInsertString(DCM_TransactionUID, transaction.c_str());
  }
  for (const CommitmentItem& item : items) {
    DcmItem* added = nullptr;
    information.findOrCreateSequenceItem(DCM_ReferencedSOPSequence, added, -2);
    if (!item.sop_class_uid.empty()) {
      added->putAndInsertString(DCM_ReferencedSOPClassUID, item.sop_class_uid.c_str());
    }
    if (!item.sop_instance_uid.empty()) {
      added->putAndInsertString(DCM_ReferencedSOPInstanceUID, item.sop_instance_uid.c_str());
    }
  }
  return information;
}

TEST(ParseCommitmentRequestTest, ReadsTheTransactionAndItsInstances) {
  ASSERT_TRUE(dicom::EnsureDataDictionary());
  DcmDataset information =
      ActionInformation("1.2.3.9", {{kCtImage, "1.2.3.1"}, {kMrImage, "1.2.3.2"}});
  auto request = ParseCommitmentRequest(information);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->transaction_uid, "1.2.3.9");
  ASSERT_EQ(request->items.size(), 2u);
  EXPECT_EQ(request->items[1].sop_class_uid, kMrImage);
  EXPECT_EQ(request->items[1].sop_instance_uid, "1.2.3.2");
}

TEST(ParseCommitmentRequestTest, NamesWhatIsMissingOrMalformed) {
  ASSERT_TRUE(dicom::EnsureDataDictionary());
  struct Case {
    DcmDataset information;
    std::string message;
  };
  Case cases[] = {
      {ActionInformation("", {{kCtImage, "1.2.3.1"}}), "missing or invalid Transaction UID"},
      {ActionInformation("1.2.x", {{kCtImage, "1.2.3.1"}}), "missing or invalid Transaction UID"},
      {ActionInformation("1.2.3.9", {}), "missing or empty Referenced SOP Sequence"},
      {ActionInformation("1.2.3.9", {{kCtImage, "1.2.3.1"}, {kCtImage, ""}}),
       "Referenced SOP Sequence item 2 lacks a valid Referenced SOP Class or Instance UID"},
  };
  for (Case& c : cases) {
    auto request = ParseCommitmentRequest(c.information);
    ASSERT_FALSE(request) << c.message;
    EXPECT_EQ(request.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(request.error().message, c.message);
  }
}

TEST(CommitmentEventInformationTest, ListsCommittedAndFailedInstances) {
  ASSERT_TRUE(dicom::EnsureDataDictionary());
  const CommitmentRequest request{"1.2.3.9", {}};
  CommitmentResult result;
  result.committed = {{kCtImage, "1.2.3.1"}};
  result.failed = {{{kMrImage, "1.2.3.2"}, kNoSuchObjectInstance}};
  EXPECT_EQ(CommitmentEventType(result), 2);
  auto information = CommitmentEventInformation(request, result, "TESSERA");
  EXPECT_EQ(service_test::StringOf(*information, DCM_TransactionUID), "1.2.3.9");
  EXPECT_EQ(service_test::StringOf(*information, DCM_RetrieveAETitle), "TESSERA");
  DcmItem* committed = nullptr;
  ASSERT_TRUE(information->findAndGetSequenceItem(DCM_ReferencedSOPSequence, committed, 0).good());
  EXPECT_EQ(service_test::StringOf(*committed, DCM_ReferencedSOPInstanceUID), "1.2.3.1");
  DcmItem* failed = nullptr;
  ASSERT_TRUE(information->findAndGetSequenceItem(DCM_FailedSOPSequence, failed, 0).good());
  EXPECT_EQ(service_test::StringOf(*failed, DCM_ReferencedSOPInstanceUID), "1.2.3.2");
  Uint16 reason = 0;
  ASSERT_TRUE(failed->findAndGetUint16(DCM_FailureReason, reason).good());
  EXPECT_EQ(reason, kNoSuchObjectInstance);

  result.failed.clear();
  EXPECT_EQ(CommitmentEventType(result), 1);
  information = CommitmentEventInformation(request, result, "TESSERA");
  EXPECT_FALSE(information->tagExists(DCM_FailedSOPSequence));
}

// CheckCommitment against a real archive in a temporary folder.
class CheckCommitmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dicom::EnsureDataDictionary());
    char pattern[] = "/tmp/tessera-commitment-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    archive::ArchiveOptions options;
    options.data_dir = dir_ / "data";
    auto archive = archive::Archive::Open(options);
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
  }
  void TearDown() override {
    archive_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Stores a new CT instance; returns its SOP Instance UID.
  std::string Store() {
    InstanceSpec spec;
    spec.study_uid = study_uid_;
    spec.series_uid = series_uid_;
    spec.sop_uid = NewUid();
    const auto path = WriteInstance(dir_, spec);
    auto incoming = archive_->NewIncomingFile();
    EXPECT_TRUE(incoming) << incoming.error().message;
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    EXPECT_TRUE(incoming->Write(bytes));
    auto stored = archive_->Store(std::move(*incoming), "");
    EXPECT_TRUE(stored) << stored.error().message;
    return spec.sop_uid;
  }

  std::filesystem::path dir_;
  std::unique_ptr<archive::Archive> archive_;
  std::string study_uid_ = NewUid();
  std::string series_uid_ = NewUid();
};

TEST_F(CheckCommitmentTest, CommitsStoredInstancesAndGivesReasonsForTheRest) {
  const std::string first = Store();
  const std::string second = Store();
  const CommitmentRequest request{
      "1.2.3.9",
      {{kCtImage, first}, {kCtImage, "1.2.3.404"}, {kMrImage, second}, {kCtImage, second}}};
  auto result = CheckCommitment(*archive_, request);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->settled);
  ASSERT_EQ(result->committed.size(), 2u);
  EXPECT_EQ(result->committed[0].sop_instance_uid, first);
  EXPECT_EQ(result->committed[1].sop_instance_uid, second);
  ASSERT_EQ(result->failed.size(), 2u);
  EXPECT_EQ(result->failed[0].item.sop_instance_uid, "1.2.3.404");
  EXPECT_EQ(result->failed[0].reason, kNoSuchObjectInstance);
  EXPECT_EQ(result->failed[1].item.sop_class_uid, kMrImage);
  EXPECT_EQ(result->failed[1].reason, kClassInstanceConflict);
}

TEST_F(CheckCommitmentTest, LooksUpMoreInstancesThanOneQueryHolds) {
  std::vector<std::string> stored;
  for (int i = 0; i < 3; ++i) stored.push_back(Store());
  CommitmentRequest request{"1.2.3.9", {}};
  for (int i = 0; i < 1200; ++i) request.items.push_back({kCtImage, "1.2.3." + std::to_string(i)});
  for (const std::string& uid : stored) request.items.push_back({kCtImage, uid});
  auto result = CheckCommitment(*archive_, request);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->committed.size(), 3u);
  EXPECT_EQ(result->failed.size(), 1200u);
}

TEST_F(CheckCommitmentTest, AnInstanceTheIndexHasNotTakenYetIsNotFailed) {
  const std::string indexed = Store();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const auto folder = dir_ / "data" / "blobs" / "0000";
  while (!std::filesystem::exists(folder) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // A file where the blob folders go: the index cannot take new instances.
  std::filesystem::rename(folder, dir_ / "moved");
  std::ofstream(folder) << "in the way";
  const std::string waiting = Store();
  const CommitmentRequest request{"1.2.3.9", {{kCtImage, indexed}, {kCtImage, waiting}}};
  auto lagging = CheckCommitment(*archive_, request);
  ASSERT_TRUE(lagging) << lagging.error().message;
  EXPECT_FALSE(lagging->settled) << "the missing instance may be stored: ask again";

  std::filesystem::remove(folder);
  std::filesystem::rename(dir_ / "moved", folder);
  Result<CommitmentResult> settled = CommitmentResult{};
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    settled = CheckCommitment(*archive_, request);
    ASSERT_TRUE(settled) << settled.error().message;
  } while (!(settled->settled && settled->failed.empty()) &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(settled->committed.size(), 2u);
}

// What a CommitmentReporter's sender saw.
struct Deliveries {
  std::mutex mutex;
  std::vector<CommitmentResult> results;
  int calls = 0;
  int failures_left = 0;  // fail this many calls first

  CommitmentReporter::Sender Sender() {
    return [this](const KnownPeer&, const CommitmentRequest&, const CommitmentResult& result) {
      std::lock_guard lock(mutex);
      ++calls;
      if (failures_left > 0) {
        --failures_left;
        return Status(Fail(ErrorCode::kUnavailable, "the modality is not listening"));
      }
      results.push_back(result);
      return Ok();
    };
  }
  int Calls() {
    std::lock_guard lock(mutex);
    return calls;
  }
};

bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

using CommitmentReporterTest = CheckCommitmentTest;
using std::chrono::milliseconds;

TEST_F(CommitmentReporterTest, SendsAgainUntilTheModalityTakesTheReport) {
  const std::string stored = Store();
  Deliveries deliveries;
  deliveries.failures_left = 2;
  CommitmentReporter reporter(*archive_, deliveries.Sender(), milliseconds(10), milliseconds(10));
  ASSERT_TRUE(reporter.Submit(KnownPeer{}, {"1.2.3.9", {{kCtImage, stored}}}));
  ASSERT_TRUE(WaitFor([&] { return reporter.waiting() == 0; }));
  EXPECT_EQ(deliveries.Calls(), 3);
  ASSERT_EQ(deliveries.results.size(), 1u);
  EXPECT_EQ(deliveries.results[0].committed.size(), 1u);
}

TEST_F(CommitmentReporterTest, GivesUpAfterThreeResends) {
  Deliveries deliveries;
  deliveries.failures_left = 100;
  CommitmentReporter reporter(*archive_, deliveries.Sender(), milliseconds(10), milliseconds(1));
  ASSERT_TRUE(reporter.Submit(KnownPeer{}, {"1.2.3.9", {{kCtImage, "1.2.3.1"}}}));
  ASSERT_TRUE(WaitFor([&] { return reporter.waiting() == 0; }));
  EXPECT_EQ(deliveries.Calls(), 4) << "the first try and three more";
}

KnownPeer Peer(std::string ae_title) {
  KnownPeer peer;
  peer.ae_title = std::move(ae_title);
  return peer;
}

TEST_F(CommitmentReporterTest, HoldsBoundedQueuesAndDropsThemAtStop) {
  Deliveries deliveries;
  deliveries.failures_left = 1'000'000;
  CommitmentReporter reporter(*archive_, deliveries.Sender(), milliseconds(10),
                              std::chrono::hours(1));
  const CommitmentRequest request{"1.2.3.9", {{kCtImage, "1.2.3.1"}}};
  for (std::size_t i = 0; i < CommitmentReporter::kMaxWaitingPerPeer; ++i) {
    ASSERT_TRUE(reporter.Submit(Peer("BUSY"), request));
  }
  EXPECT_FALSE(reporter.Submit(Peer("BUSY"), request)) << "one peer's share is full";
  EXPECT_TRUE(reporter.Submit(Peer("OTHER"), request)) << "another peer still has room";
  CommitmentRequest huge{"1.2.3.10", {}};
  huge.items.resize(CommitmentReporter::kMaxWaitingItems, {kCtImage, "1.2.3.1"});
  EXPECT_FALSE(reporter.Submit(Peer("THIRD"), huge)) << "the instances named in all are bounded";
  const auto expected = static_cast<int>(CommitmentReporter::kMaxWaitingPerPeer) + 1;
  ASSERT_TRUE(WaitFor([&] { return deliveries.Calls() == expected; }));
  EXPECT_EQ(reporter.waiting(), CommitmentReporter::kMaxWaitingPerPeer + 1)
      << "each waits to be sent again";
  const auto started = std::chrono::steady_clock::now();
  reporter.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(reporter.waiting(), 0u);
  EXPECT_FALSE(reporter.Submit(Peer("OTHER"), request));
}

TEST_F(CommitmentReporterTest, RequestsNotReportedAtAStopAreSentAfterTheRestart) {
  const std::string stored = Store();
  const auto folder = dir_ / "commitments";
  {
    Deliveries down;
    down.failures_left = 1'000'000;
    CommitmentReporter reporter(*archive_, down.Sender(), milliseconds(10), std::chrono::hours(1),
                                CommitmentStore(folder));
    ASSERT_TRUE(reporter.Resume(AccessPolicy(DimseOptions{})));
    ASSERT_TRUE(reporter.Submit(Peer("MODALITY"), {"1.2.3.9", {{kCtImage, stored}}}));
    ASSERT_TRUE(reporter.Submit(Peer("GONE"), {"1.2.3.10", {{kCtImage, stored}}}));
    ASSERT_TRUE(WaitFor([&] { return down.Calls() == 2; }));
  }  // stopped with both waiting to be sent again
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(folder),
                          std::filesystem::directory_iterator()),
            2);

  Deliveries up;
  std::vector<KnownPeer> delivered_to;
  std::mutex mutex;
  CommitmentReporter reporter(
      *archive_,
      [&](const KnownPeer& peer, const CommitmentRequest& request, const CommitmentResult& result) {
        std::lock_guard lock(mutex);
        delivered_to.push_back(peer);
        EXPECT_EQ(request.transaction_uid, "1.2.3.9");
        EXPECT_EQ(result.committed.size(), 1u);
        return Ok();
      },
      milliseconds(10), milliseconds(10), CommitmentStore(folder));
  KnownPeer configured = Peer("MODALITY ");  // AE titles compare without their padding
  configured.host = "modality.example";
  configured.port = 11112;
  DimseOptions options;
  options.peers = {configured, Peer("OTHER")};
  ASSERT_TRUE(reporter.Resume(AccessPolicy(options)));
  ASSERT_TRUE(WaitFor([&] { return reporter.waiting() == 0; }));
  std::lock_guard lock(mutex);
  ASSERT_EQ(delivered_to.size(), 1u) << "GONE is not configured: its request waits";
  EXPECT_EQ(delivered_to[0].host, "modality.example") << "the peer as configured now";
  EXPECT_EQ(delivered_to[0].port, 11112);
  auto left = CommitmentStore(folder).Load();
  ASSERT_TRUE(left) << left.error().message;
  ASSERT_EQ(left->size(), 1u) << "the reported request is forgotten, GONE's kept";
  EXPECT_EQ((*left)[0].ae_title, "GONE");
}

TEST_F(CommitmentReporterTest, ARequestThatCannotBeKeptIsRefused) {
  const auto folder = dir_ / "not-a-folder";
  std::ofstream(folder) << "a file";
  Deliveries deliveries;
  CommitmentReporter reporter(*archive_, deliveries.Sender(), milliseconds(10), milliseconds(10),
                              CommitmentStore(folder));
  auto submitted = reporter.Submit(Peer("MODALITY"), {"1.2.3.9", {{kCtImage, "1.2.3.1"}}});
  ASSERT_FALSE(submitted);
  EXPECT_EQ(submitted.error().code, ErrorCode::kIo);
  EXPECT_EQ(reporter.waiting(), 0u);
  auto full = reporter.Resume(AccessPolicy(DimseOptions{}));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ErrorCode::kIo);
}

TEST_F(CommitmentReporterTest, APeerThatDoesNotAnswerHoldsUpOnlyItsOwnReports) {
  const std::string stored = Store();
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  std::atomic<int> delivered_to_others = 0;
  CommitmentReporter reporter(
      *archive_,
      [&](const KnownPeer& peer, const CommitmentRequest&, const CommitmentResult&) -> Status {
        if (peer.ae_title == "SILENT") {
          std::unique_lock lock(mutex);
          released.wait(lock, [&] { return release; });
          return Ok();
        }
        ++delivered_to_others;
        return Ok();
      },
      milliseconds(10), milliseconds(10));
  ASSERT_TRUE(reporter.Submit(Peer("SILENT"), {"1.2.3.1", {{kCtImage, stored}}}));
  ASSERT_TRUE(reporter.Submit(Peer("SILENT"), {"1.2.3.2", {{kCtImage, stored}}}));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(reporter.Submit(Peer("MODALITY" + std::to_string(i % 3)),
                                {"1.2.4." + std::to_string(i), {{kCtImage, stored}}}));
  }
  EXPECT_TRUE(WaitFor([&] { return delivered_to_others == 10; }));
  EXPECT_EQ(reporter.waiting(), 2u) << "SILENT's two reports, one of them on its way";
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  released.notify_all();
  EXPECT_TRUE(WaitFor([&] { return reporter.waiting() == 0; }));
}

}  // namespace
}  // namespace tessera::dimse
