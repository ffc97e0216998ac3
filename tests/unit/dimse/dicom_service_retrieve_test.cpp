// C-MOVE and C-GET from DicomService: movescu to storescp, getscu, transcoding.

#include <cstring>
#include <functional>
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

// `count` instances of one new series; `sop_class(i)` names each one's class.
std::vector<InstanceSpec> OneSeries(int count, const std::function<std::string(int)>& sop_class) {
  InstanceSpec spec;
  spec.study_uid = NewUid();
  spec.series_uid = NewUid();
  std::vector<InstanceSpec> specs;
  for (int i = 0; i < count; ++i) {
    spec.sop_uid = NewUid();
    spec.sop_class = sop_class(i);
    spec.instance_number = i + 1;
    specs.push_back(spec);
  }
  return specs;
}

std::string PrivateClass(int i) { return "1.2.826.0.1.3680043.10.1." + std::to_string(i); }

// movescu of a study to MOVEDEST as VIEWER, with `options` (-v, -d, ...).
ToolResult MoveStudy(const std::string& study_uid, const std::string& options,
                     const std::string& peer) {
  return RunTool("movescu " + options + " -aet VIEWER -aec TESSERA -aem MOVEDEST -S " +
                 "-k QueryRetrieveLevel=STUDY -k StudyInstanceUID=" + study_uid + " " + peer);
}

// The SOP Instance UIDs of the files storescp wrote into `folder`.
std::set<std::string> ReceivedUids(const fs::path& folder) {
  std::set<std::string> uids;
  for (const auto& entry : fs::directory_iterator(folder)) {
    DcmFileFormat file;
    EXPECT_TRUE(file.loadFile(entry.path().c_str()).good()) << entry.path();
    uids.insert(StringOf(*file.getDataset(), DCM_SOPInstanceUID));
  }
  return uids;
}

TEST_F(DicomServiceTest, MovescuSendsToStorescpByteForByte) {
  Start(Options());
  const auto specs = MakeStudies();
  StoreWithStorescu(specs);
  const fs::path received = dir_ / "received";
  fs::create_directories(received);
  ChildProcess storescp({"storescp", "-aet", "MOVEDEST", "--bit-preserving", "-od",
                         received.string(), std::to_string(move_port_)},
                        dir_ / "storescp.log");
  ASSERT_TRUE(WaitForPort(move_port_));

  const ToolResult moved = RunTool(
      "movescu -d -aet VIEWER -aec TESSERA -aem MOVEDEST -S "
      "-k QueryRetrieveLevel=STUDY -k StudyInstanceUID=" +
      specs[0].study_uid + " " + Peer());
  EXPECT_EQ(moved.exit_code, 0) << moved.output;
  // One pending response with the counts, then the final one.
  EXPECT_NE(moved.output.find("Remaining Suboperations       : 1"), std::string::npos)
      << moved.output;
  EXPECT_NE(moved.output.find("Completed Suboperations       : 2"), std::string::npos)
      << moved.output;

  std::map<std::string, fs::path> arrived;  // SOP Instance UID -> file
  for (const auto& entry : fs::directory_iterator(received)) {
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(entry.path().c_str()).good());
    arrived[StringOf(*file.getDataset(), DCM_SOPInstanceUID)] = entry.path();
  }
  ASSERT_EQ(arrived.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(arrived.count(specs[i].sop_uid), 1u);
    EXPECT_TRUE(DataSetBytes(arrived[specs[i].sop_uid]) == DataSetBytes(StoredPath(specs[i])));
  }
}

TEST_F(DicomServiceTest, MoveOfMoreClassesThanOneAssociationHoldsUsesSeveral) {
  Start(Options());
  // 70 private SOP classes, two contexts each (stored syntax + fallback): 140.
  const auto specs = OneSeries(70, PrivateClass);
  StoreInArchive(specs);
  const fs::path received = dir_ / "received";
  fs::create_directories(received);
  ChildProcess storescp({"storescp", "-aet", "MOVEDEST", "--promiscuous", "-od", received.string(),
                         std::to_string(move_port_)},
                        dir_ / "storescp.log");
  ASSERT_TRUE(WaitForPort(move_port_));

  const ToolResult moved = MoveStudy(specs[0].study_uid, "-v", Peer());
  EXPECT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_NE(moved.output.find("Final Move Response (Success)"), std::string::npos) << moved.output;
  const std::set<std::string> arrived = ReceivedUids(received);
  EXPECT_EQ(arrived.size(), specs.size());
  for (const InstanceSpec& each : specs) EXPECT_TRUE(arrived.contains(each.sop_uid));
}

TEST_F(DicomServiceTest, MoveGoesOnAfterABatchTheDestinationTakesNothingOf) {
  Start(Options());
  // 64 private SOP classes fill the first association's 128 contexts; the CT
  // instance, last in the series, goes on a second one. storescp without
  // --promiscuous accepts no private class, so only the second is taken.
  const auto specs = OneSeries(
      65, [](int i) { return i < 64 ? PrivateClass(i) : std::string(UID_CTImageStorage); });
  StoreInArchive(specs);
  const fs::path received = dir_ / "received";
  fs::create_directories(received);
  ChildProcess storescp(
      {"storescp", "-aet", "MOVEDEST", "-od", received.string(), std::to_string(move_port_)},
      dir_ / "storescp.log");
  ASSERT_TRUE(WaitForPort(move_port_));

  const ToolResult moved = MoveStudy(specs[0].study_uid, "-v", Peer());
  EXPECT_NE(
      moved.output.find("Final Move Response (Warning: SubOperationsCompleteOneOrMoreFailures)"),
      std::string::npos)
      << moved.output;
  EXPECT_EQ(ReceivedUids(received), std::set<std::string>{specs.back().sop_uid});
}

TEST_F(DicomServiceTest, MovescuToAnUnknownDestinationIsRefused) {
  Start(Options());
  const auto specs = MakeStudies();
  StoreWithStorescu(specs);
  const ToolResult moved = RunTool(
      "movescu -v -aet VIEWER -aec TESSERA -aem NOWHERE -S "
      "-k QueryRetrieveLevel=STUDY -k StudyInstanceUID=" +
      specs[0].study_uid + " " + Peer());
  EXPECT_NE(moved.output.find("Final Move Response (Refused: MoveDestinationUnknown)"),
            std::string::npos)
      << moved.output;
}

TEST_F(DicomServiceTest, MovescuReportsAnUnreachableDestination) {
  Start(Options());
  const auto specs = MakeStudies();
  StoreWithStorescu(specs);
  // Nothing listens on the destination's port.
  const ToolResult moved = RunTool(
      "movescu -d -aet VIEWER -aec TESSERA -aem MOVEDEST -S "
      "-k QueryRetrieveLevel=STUDY -k StudyInstanceUID=" +
      specs[0].study_uid + " " + Peer());
  EXPECT_NE(moved.output.find("DIMSE Status                  : 0xa702"), std::string::npos)
      << moved.output;
  EXPECT_NE(moved.output.find("FailedSOPInstanceUIDList"), std::string::npos) << moved.output;
  EXPECT_EQ(RunTool("echoscu -aec TESSERA " + Peer()).exit_code, 0);
}

TEST_F(DicomServiceTest, AnUnreachableDestinationForALargeStudyStillGetsAFinalAnswer) {
  Start(Options());
  // 1,500 failed UIDs of some 57 bytes exceed the 64 KiB a UI value holds in
  // explicit VR: the final response must still go out, with the whole list.
  const auto specs = OneSeries(1500, [](int) { return std::string(UID_CTImageStorage); });
  StoreInArchive(specs);
  for (const char* syntax : {"-xe", "-xi"}) {
    SCOPED_TRACE(syntax);
    const ToolResult moved = MoveStudy(specs[0].study_uid, std::string("-d ") + syntax, Peer());
    EXPECT_NE(moved.output.find("DIMSE Status                  : 0xa702"), std::string::npos)
        << moved.output;
    EXPECT_NE(moved.output.find("Failed Suboperations          : 1500"), std::string::npos);
    // Too long for UI's 16-bit length, DCMTK sends the list as UN (PS3.5 6.2.2).
    EXPECT_NE(moved.output.find("(0008,0058) U"), std::string::npos);
  }
}

TEST_F(DicomServiceTest, GetscuRetrievesOnTheSameAssociation) {
  Start(Options());
  const auto specs = MakeStudies();
  StoreWithStorescu(specs);
  const fs::path received = dir_ / "got";
  fs::create_directories(received);
  const ToolResult got =
      RunTool("getscu -v -aet VIEWER -aec TESSERA -S --bit-preserving -od " + Quote(received) +
              " -k QueryRetrieveLevel=SERIES -k StudyInstanceUID=" + specs[2].study_uid +
              " -k SeriesInstanceUID=" + specs[2].series_uid + " " + Peer());
  EXPECT_EQ(got.exit_code, 0) << got.output;
  std::map<std::string, fs::path> arrived;
  for (const auto& entry : fs::directory_iterator(received)) {
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(entry.path().c_str()).good());
    arrived[StringOf(*file.getDataset(), DCM_SOPInstanceUID)] = entry.path();
  }
  ASSERT_EQ(arrived.size(), 2u) << got.output;
  for (int i = 2; i < 4; ++i) {
    ASSERT_EQ(arrived.count(specs[i].sop_uid), 1u);
    EXPECT_TRUE(DataSetBytes(arrived[specs[i].sop_uid]) == DataSetBytes(StoredPath(specs[i])));
  }
}

// PS3.7 9.3.2.3: a C-CANCEL names the operation it cancels; one naming no
// operation in progress is ignored, not a reason to abort the retrieval.
TEST_F(DicomServiceTest, GetIgnoresACancelForAnotherOperation) {
  Start(Options());
  const auto specs = MakeStudies();
  StoreWithStorescu(specs);

  T_ASC_Network* network = nullptr;
  ASSERT_TRUE(ASC_initializeNetwork(NET_REQUESTOR, 0, 10, &network).good());
  const NetworkHandle network_handle(network);
  T_ASC_Parameters* params = nullptr;
  ASSERT_TRUE(ASC_createAssociationParameters(&params, 16384).good());
  ASC_setAPTitles(params, "VIEWER", "TESSERA", nullptr);
  const std::string address = "127.0.0.1:" + std::to_string(service_->port());
  ASC_setPresentationAddresses(params, "localhost", address.c_str());
  const char* syntaxes[] = {UID_LittleEndianExplicitTransferSyntax};
  ASC_addPresentationContext(params, 1, UID_GETStudyRootQueryRetrieveInformationModel, syntaxes, 1);
  ASC_addPresentationContext(params, 3, UID_CTImageStorage, syntaxes, 1, ASC_SC_ROLE_SCP);
  T_ASC_Association* raw = nullptr;
  ASSERT_TRUE(ASC_requestAssociation(network, params, &raw).good());
  const RequestedAssociation association(raw);

  T_DIMSE_Message request{};
  request.CommandField = DIMSE_C_GET_RQ;
  request.msg.CGetRQ.MessageID = 1;
  std::strcpy(request.msg.CGetRQ.AffectedSOPClassUID,
              UID_GETStudyRootQueryRetrieveInformationModel);
  request.msg.CGetRQ.Priority = DIMSE_PRIORITY_MEDIUM;
  request.msg.CGetRQ.DataSetType = DIMSE_DATASET_PRESENT;
  DcmDataset identifier;
  identifier.putAndInsertString(DCM_QueryRetrieveLevel, "SERIES");
  identifier.putAndInsertString(DCM_StudyInstanceUID, specs[2].study_uid.c_str());
  identifier.putAndInsertString(DCM_SeriesInstanceUID, specs[2].series_uid.c_str());
  ASSERT_TRUE(
      DIMSE_sendMessageUsingMemoryData(raw, 1, &request, nullptr, &identifier, nullptr, nullptr)
          .good());

  int stored = 0;
  std::uint16_t final_status = 0xFFFF;
  while (final_status == 0xFFFF) {
    T_DIMSE_Message message{};
    T_ASC_PresentationContextID id = 0;
    ASSERT_TRUE(DIMSE_receiveCommand(raw, DIMSE_BLOCKING, 0, &id, &message, nullptr).good())
        << "the association ended";
    if (message.CommandField == DIMSE_C_GET_RSP) {
      if (message.msg.CGetRSP.DimseStatus != 0xFF00) final_status = message.msg.CGetRSP.DimseStatus;
      continue;
    }
    ASSERT_EQ(message.CommandField, DIMSE_C_STORE_RQ);
    DcmDataset* data = nullptr;
    ASSERT_TRUE(
        DIMSE_receiveDataSetInMemory(raw, DIMSE_BLOCKING, 0, &id, &data, nullptr, nullptr).good());
    delete data;
    // Before answering the sub-operation: a cancel of an operation never started.
    ASSERT_TRUE(DIMSE_sendCancelRequest(raw, 1, 99).good());
    T_DIMSE_Message response{};
    response.CommandField = DIMSE_C_STORE_RSP;
    T_DIMSE_C_StoreRSP& store = response.msg.CStoreRSP;
    store.MessageIDBeingRespondedTo = message.msg.CStoreRQ.MessageID;
    store.DimseStatus = STATUS_Success;
    store.DataSetType = DIMSE_DATASET_NULL;
    std::strcpy(store.AffectedSOPClassUID, message.msg.CStoreRQ.AffectedSOPClassUID);
    std::strcpy(store.AffectedSOPInstanceUID, message.msg.CStoreRQ.AffectedSOPInstanceUID);
    store.opts = O_STORE_AFFECTEDSOPCLASSUID | O_STORE_AFFECTEDSOPINSTANCEUID;
    ASSERT_TRUE(
        DIMSE_sendMessageUsingMemoryData(raw, id, &response, nullptr, nullptr, nullptr, nullptr)
            .good());
    ++stored;
  }
  EXPECT_EQ(final_status, 0x0000);
  EXPECT_EQ(stored, 2);
  ASC_releaseAssociation(raw);
}

TEST_F(DicomServiceTest, TranscodesWhenThePeerRefusesTheStoredSyntax) {
  Start(Options());
  // Stored as RLE; getscu proposes only uncompressed syntaxes for storage.
  const fs::path source = kTestFiles / "MR_small_RLE.dcm";
  DcmFileFormat original;
  ASSERT_TRUE(original.loadFile(source.c_str()).good());
  DcmDataset& data = *original.getDataset();
  auto status = SendRaw(source, UID_MRImageStorage, UID_RLELosslessTransferSyntax,
                        StringOf(data, DCM_SOPInstanceUID));
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ(*status, 0x0000);

  const fs::path received = dir_ / "transcoded";
  fs::create_directories(received);
  const ToolResult got = RunTool(
      "getscu -aet VIEWER -aec TESSERA -S -od " + Quote(received) +
      " -k QueryRetrieveLevel=IMAGE -k StudyInstanceUID=" + StringOf(data, DCM_StudyInstanceUID) +
      " -k SeriesInstanceUID=" + StringOf(data, DCM_SeriesInstanceUID) +
      " -k SOPInstanceUID=" + StringOf(data, DCM_SOPInstanceUID) + " " + Peer());
  EXPECT_EQ(got.exit_code, 0) << got.output;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(received)) files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u) << got.output;
  DcmFileFormat arrived;
  ASSERT_TRUE(arrived.loadFile(files[0].c_str()).good());
  const std::string syntax = StringOf(*arrived.getMetaInfo(), DCM_TransferSyntaxUID);
  EXPECT_TRUE(syntax == UID_LittleEndianExplicitTransferSyntax ||
              syntax == UID_LittleEndianImplicitTransferSyntax)
      << syntax;
  // The pixels survive the decompression.
  ASSERT_TRUE(data.chooseRepresentation(EXS_LittleEndianExplicit, nullptr).good());
  const Uint16* expected = nullptr;
  const Uint16* actual = nullptr;
  unsigned long expected_count = 0;
  unsigned long actual_count = 0;
  ASSERT_TRUE(data.findAndGetUint16Array(DCM_PixelData, expected, &expected_count).good());
  ASSERT_TRUE(
      arrived.getDataset()->findAndGetUint16Array(DCM_PixelData, actual, &actual_count).good());
  ASSERT_EQ(actual_count, expected_count);
  EXPECT_TRUE(std::equal(expected, expected + expected_count, actual));
}

}  // namespace
}  // namespace tessera::dimse
