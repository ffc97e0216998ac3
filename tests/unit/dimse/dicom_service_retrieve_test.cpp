// C-MOVE and C-GET from DicomService: movescu to storescp, getscu, transcoding.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>

#include "dimse/outbound_association.h"
#include "service_test_support.h"

namespace tessera::dimse {
namespace {

using namespace service_test;

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
