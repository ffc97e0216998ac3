// C-STORE into DicomService: storescu and byte-for-byte raw sends.

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmnet/dimse.h>

#include "dimse/outbound_association.h"
#include "service_test_support.h"

namespace tessera::dimse {
namespace {

using namespace service_test;

TEST_F(DicomServiceTest, StoredInstancesAreFoundAtOnce) {
  Start(Options());
  const auto specs = MakeStudies();
  StoreWithStorescu(specs);
  EXPECT_EQ(CountInstances(), specs.size());
  archive::Query studies;
  studies.level = archive::QueryLevel::kStudy;
  auto found = archive_->Find(studies);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->matches.size(), 3u);
}

TEST_F(DicomServiceTest, StoresWhatWasSentByteForByte) {
  Start(Options());
  // One file per transfer syntax the service accepts.
  for (const char* name :
       {"CT_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "image_dfl.dcm",
        "JPEG2000.dcm", "MR_small_jp2klossless.dcm", "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm",
        "JPGExtended.dcm", "MR_small_jpeg_ls_lossless.dcm"}) {
    const fs::path source = kTestFiles / name;
    DcmFileFormat original;
    ASSERT_TRUE(original.loadFile(source.c_str()).good()) << name;
    DcmDataset& data = *original.getDataset();
    const std::string syntax = StringOf(*original.getMetaInfo(), DCM_TransferSyntaxUID);
    InstanceSpec spec;
    spec.study_uid = StringOf(data, DCM_StudyInstanceUID);
    spec.series_uid = StringOf(data, DCM_SeriesInstanceUID);
    spec.sop_uid = StringOf(data, DCM_SOPInstanceUID);

    auto status = SendRaw(source, StringOf(data, DCM_SOPClassUID), syntax, spec.sop_uid);
    ASSERT_TRUE(status) << name << ": " << status.error().message;
    EXPECT_EQ(*status, 0x0000) << name;

    const fs::path stored = StoredPath(spec);
    ASSERT_FALSE(stored.empty()) << name;
    EXPECT_TRUE(DataSetBytes(stored) == DataSetBytes(source) ||
                DataSetBytes(stored) == DataSetBytes(source) + '\0')  // deflate padding
        << name;
    DcmFileFormat kept;
    ASSERT_TRUE(kept.loadFile(stored.c_str()).good()) << name;
    EXPECT_EQ(StringOf(*kept.getMetaInfo(), DCM_TransferSyntaxUID), syntax) << name;
    EXPECT_EQ(StringOf(*kept.getMetaInfo(), DCM_SourceApplicationEntityTitle), "RAWSCU");
  }
}

// The sender must never be told it stored one instance when the archive holds
// another (or replaced another with it).
TEST_F(DicomServiceTest, RefusesADataSetThatIsNotTheRequestedInstanceOrClass) {
  Start(Options());
  const fs::path file = kTestFiles / "CT_small.dcm";
  auto other_instance =
      SendRaw(file, UID_CTImageStorage, UID_LittleEndianExplicitTransferSyntax, NewUid());
  ASSERT_TRUE(other_instance) << other_instance.error().message;
  EXPECT_EQ(*other_instance, 0xA900);
  DcmFileFormat source;
  ASSERT_TRUE(source.loadFile(file.c_str()).good());
  const std::string sop_uid = StringOf(*source.getDataset(), DCM_SOPInstanceUID);
  auto other_class =
      SendRaw(file, UID_MRImageStorage, UID_LittleEndianExplicitTransferSyntax, sop_uid);
  ASSERT_TRUE(other_class) << other_class.error().message;
  EXPECT_EQ(*other_class, 0xA900);
  EXPECT_EQ(CountInstances(), 0u);
}

// Anyone can call as an unknown AE title: it may add images, not overwrite them.
TEST_F(DicomServiceTest, UnknownCallersMayAddInstancesButNotReplaceThem) {
  DimseOptions options = Options();
  KnownPeer modality;
  modality.ae_title = "MODALITY";
  modality.host = "127.0.0.1";
  modality.allowed = {Operation::kEcho, Operation::kStore};
  options.peers.push_back(modality);
  Start(options);
  InstanceSpec spec;
  spec.study_uid = NewUid();
  spec.series_uid = NewUid();
  spec.sop_uid = NewUid();
  const auto send = [&](const std::string& calling_ae, int instance_number) {
    spec.instance_number = instance_number;
    fs::create_directories(dir_ / calling_ae);
    const fs::path file = WriteInstance(dir_ / calling_ae, spec);
    const ToolResult sent =
        RunTool("storescu -v -aet " + calling_ae + " -aec TESSERA " + Peer() + " " + Quote(file));
    EXPECT_NE(sent.output.find("Received Store Response (Success)"), std::string::npos)
        << sent.output;
  };
  const auto stored_number = [&] {
    archive::Query query;
    query.level = archive::QueryLevel::kInstance;
    query.conditions.push_back({0x00080018, archive::MatchType::kSingleValue, {spec.sop_uid}});
    query.include = {0x00200013};
    auto found = archive_->Find(query);
    EXPECT_TRUE(found && found->matches.size() == 1u);
    return found && !found->matches.empty() ? found->matches[0]["00200013"]["Value"][0].get<int>()
                                            : -1;
  };
  send("STRANGER", 1);
  EXPECT_EQ(stored_number(), 1);
  send("STRANGER", 2);  // acknowledged, kept out
  EXPECT_EQ(stored_number(), 1);
  send("MODALITY", 3);  // a configured peer replaces, as the archive's policy says
  EXPECT_EQ(stored_number(), 3);
}

// A presentation context carries one SOP class: a C-STORE of another class on
// it (here on Verification's, which any caller may open) is refused unread.
TEST_F(DicomServiceTest, RefusesAStoreOfAClassTheContextWasNotNegotiatedFor) {
  Start(Options());
  RawAssociation opened = OpenRawAssociation("RAWSCU", UID_VerificationSOPClass);
  ASSERT_TRUE(opened.association);
  T_ASC_Association* raw = opened.association.get();

  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile((kTestFiles / "CT_small.dcm").c_str()).good());
  ASSERT_TRUE(file.getDataset()->chooseRepresentation(EXS_LittleEndianExplicit, nullptr).good());
  T_DIMSE_Message request{};
  request.CommandField = DIMSE_C_STORE_RQ;
  request.msg.CStoreRQ.MessageID = 1;
  std::strcpy(request.msg.CStoreRQ.AffectedSOPClassUID, UID_CTImageStorage);
  const std::string sop_uid = StringOf(*file.getDataset(), DCM_SOPInstanceUID);
  std::strcpy(request.msg.CStoreRQ.AffectedSOPInstanceUID, sop_uid.c_str());
  request.msg.CStoreRQ.Priority = DIMSE_PRIORITY_MEDIUM;
  request.msg.CStoreRQ.DataSetType = DIMSE_DATASET_PRESENT;
  ASSERT_TRUE(DIMSE_sendMessageUsingMemoryData(raw, 1, &request, nullptr, file.getDataset(),
                                               nullptr, nullptr)
                  .good());
  T_DIMSE_Message response{};
  T_ASC_PresentationContextID id = 0;
  ASSERT_TRUE(DIMSE_receiveCommand(raw, DIMSE_BLOCKING, 0, &id, &response, nullptr).good());
  ASSERT_EQ(response.CommandField, DIMSE_C_STORE_RSP);
  EXPECT_EQ(response.msg.CStoreRSP.DimseStatus, 0x0122);
  ASC_releaseAssociation(raw);
  EXPECT_EQ(CountInstances(), 0u);
}

TEST_F(DicomServiceTest, StoresEveryPydicomTestFileStorescuCanSend) {
  Start(Options());
  std::vector<std::string> stored_files;
  std::vector<std::string> refused_files;
  for (const auto& entry : fs::directory_iterator(kTestFiles)) {
    if (entry.path().extension() != ".dcm") continue;
    const std::string name = entry.path().filename().string();
    DcmFileFormat file;
    const bool readable = file.loadFile(entry.path().c_str()).good();
    const std::string syntax =
        readable ? StringOf(*file.getMetaInfo(), DCM_TransferSyntaxUID) : std::string();
    // Compressed files go as they are: propose their own transfer syntax.
    const ToolResult sent = RunTool("storescu -v " + ProposeOption(syntax) + " -aec TESSERA " +
                                    Peer() + " " + Quote(entry.path()));
    if (sent.output.find("Received Store Response (Success)") != std::string::npos) {
      ASSERT_TRUE(readable) << name;
      const std::string sop_uid = StringOf(*file.getDataset(), DCM_SOPInstanceUID);
      EXPECT_EQ(CountInstances(sop_uid), 1u) << name;
      stored_files.push_back(name);
    }
    if (sent.output.find("Received Store Response (") != std::string::npos &&
        sent.output.find("(Success)") == std::string::npos) {
      refused_files.push_back(name);
    }
  }
  // What storescu cannot read (no File Meta, no SOP Instance UID, truncated) never
  // arrives; everything that does is stored. (Refusals: the next test.)
  EXPECT_GE(stored_files.size(), 45u);
  EXPECT_EQ(refused_files, std::vector<std::string>{});
  RecordProperty("stored_files", static_cast<int>(stored_files.size()));
  EXPECT_EQ(RunTool("echoscu -aec TESSERA " + Peer()).exit_code, 0);
}

TEST_F(DicomServiceTest, AnswersABrokenFileWithAFailureAndKeepsRunning) {
  Start(Options());
  // The data set ends in the middle of its Pixel Data.
  const std::string bytes = ReadFile(kTestFiles / "CT_small.dcm");
  const fs::path truncated = dir_ / "truncated.dcm";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() - 1000);
  auto status = SendRaw(truncated, UID_CTImageStorage, UID_LittleEndianExplicitTransferSyntax);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 0xC000);

  // storescu sends a data set without a Study Instance UID; the archive refuses it.
  const fs::path no_study = dir_ / "no_study.dcm";
  fs::copy_file(kTestFiles / "CT_small.dcm", no_study);
  ASSERT_EQ(RunTool("dcmodify -nb -ea '(0020,000d)' " + Quote(no_study)).exit_code, 0);
  const ToolResult stored = RunTool("storescu -v -aec TESSERA " + Peer() + " " + Quote(no_study));
  EXPECT_NE(stored.output.find("(Error: CannotUnderstand)"), std::string::npos) << stored.output;

  EXPECT_EQ(CountInstances(), 0u);
  EXPECT_EQ(RunTool("echoscu -aec TESSERA " + Peer()).exit_code, 0);
}

}  // namespace
}  // namespace tessera::dimse
