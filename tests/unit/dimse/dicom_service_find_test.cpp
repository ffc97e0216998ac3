// C-FIND against DicomService: findscu and a raw C-CANCEL.

#include <cstring>
#include <set>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmnet/dimse.h>

#include "service_test_support.h"

namespace tessera::dimse {
namespace {

using namespace service_test;

TEST_F(DicomServiceTest, FindscuMatchesAtEachLevelAndModel) {
  Start(Options());
  const auto specs = MakeStudies();
  StoreWithStorescu(specs);
  const auto find = [&](const std::string& name, const std::string& arguments) {
    const fs::path out = dir_ / name;
    fs::create_directories(out);
    const ToolResult result = RunTool("findscu -aet VIEWER -aec TESSERA -X -od " + Quote(out) +
                                      " " + arguments + " " + Peer());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return ReadResponses(out);
  };

  // Study Root, STUDY level: wildcard and date range.
  auto studies = find("study",
                      "-S -k QueryRetrieveLevel=STUDY -k PatientName=Doe* "
                      "-k StudyDate=20240101-20241231 -k StudyInstanceUID -k "
                      "AccessionNumber");
  ASSERT_EQ(studies.size(), 2u);
  for (auto& response : studies) {
    DcmDataset& data = *response->getDataset();
    EXPECT_EQ(StringOf(data, DCM_QueryRetrieveLevel), "STUDY");
    EXPECT_EQ(StringOf(data, DCM_PatientName), "Doe^John");
    EXPECT_EQ(StringOf(data, DCM_AccessionNumber), "ACC-1");
    EXPECT_FALSE(StringOf(data, DCM_StudyInstanceUID).empty());
    EXPECT_FALSE(data.tagExists(DCM_StudyDescription));  // not requested
  }

  // Patient Root, PATIENT level.
  auto patients = find("patient", "-P -k QueryRetrieveLevel=PATIENT -k PatientName -k PatientID");
  ASSERT_EQ(patients.size(), 2u);

  // Patient Root, STUDY level for one patient: an open range.
  auto patient_studies = find("patient-study",
                              "-P -k QueryRetrieveLevel=STUDY -k PatientID=PID-1 "
                              "-k StudyDate=-20240131 -k StudyInstanceUID");
  ASSERT_EQ(patient_studies.size(), 1u);
  EXPECT_EQ(StringOf(*patient_studies[0]->getDataset(), DCM_StudyInstanceUID), specs[0].study_uid);
  EXPECT_EQ(StringOf(*patient_studies[0]->getDataset(), DCM_PatientID), "PID-1");

  // Study Root, SERIES level within a study.
  auto series =
      find("series", "-S -k QueryRetrieveLevel=SERIES -k StudyInstanceUID=" + specs[4].study_uid +
                         " -k SeriesInstanceUID -k Modality");
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(StringOf(*series[0]->getDataset(), DCM_Modality), "MR");
  EXPECT_EQ(StringOf(*series[0]->getDataset(), DCM_SeriesInstanceUID), specs[4].series_uid);

  // Study Root, IMAGE level with a UID list.
  auto images =
      find("image", "-S -k QueryRetrieveLevel=IMAGE -k StudyInstanceUID=" + specs[0].study_uid +
                        " -k SeriesInstanceUID=" + specs[0].series_uid + " -k 'SOPInstanceUID=" +
                        specs[0].sop_uid + "\\" + specs[1].sop_uid + "' -k InstanceNumber");
  ASSERT_EQ(images.size(), 2u);
  std::set<std::string> numbers;
  for (auto& image : images) numbers.insert(StringOf(*image->getDataset(), DCM_InstanceNumber));
  EXPECT_EQ(numbers, (std::set<std::string>{"1", "2"}));
}

TEST_F(DicomServiceTest, FindscuGetsAFailureForAMalformedIdentifier) {
  Start(Options());
  const ToolResult result = RunTool(
      "findscu -v -aet VIEWER -aec TESSERA -S -k QueryRetrieveLevel=STUDY "
      "-k StudyDate=2024-01 " +
      Peer());
  EXPECT_NE(result.output.find("Final Find Response (Error: DataSetDoesNotMatchSOPClass)"),
            std::string::npos)
      << result.output;
}

// Bytes DCMTK must not parse (structure_check.h) arrive whole before they are
// checked, so the request is answered with a failure, not the association aborted.
TEST_F(DicomServiceTest, FindAnswersAnIdentifierNestedTooDeepAndCarriesOn) {
  Start(Options());
  RawAssociation opened =
      OpenRawAssociation("VIEWER", UID_FINDStudyRootQueryRetrieveInformationModel);
  ASSERT_TRUE(opened.association);
  T_ASC_Association* raw = opened.association.get();
  const auto find = [&](DcmDataset& identifier, std::uint16_t message_id) {
    T_DIMSE_Message request{};
    request.CommandField = DIMSE_C_FIND_RQ;
    request.msg.CFindRQ.MessageID = message_id;
    std::strcpy(request.msg.CFindRQ.AffectedSOPClassUID,
                UID_FINDStudyRootQueryRetrieveInformationModel);
    request.msg.CFindRQ.Priority = DIMSE_PRIORITY_MEDIUM;
    request.msg.CFindRQ.DataSetType = DIMSE_DATASET_PRESENT;
    EXPECT_TRUE(
        DIMSE_sendMessageUsingMemoryData(raw, 1, &request, nullptr, &identifier, nullptr, nullptr)
            .good());
    while (true) {
      T_DIMSE_Message response{};
      T_ASC_PresentationContextID id = 0;
      DcmDataset* detail = nullptr;
      if (DIMSE_receiveCommand(raw, DIMSE_BLOCKING, 0, &id, &response, &detail).bad()) {
        return std::uint16_t{0xFFFF};  // the association ended
      }
      delete detail;
      if (response.msg.CFindRSP.DataSetType != DIMSE_DATASET_NULL) {
        DcmDataset* data = nullptr;
        DIMSE_receiveDataSetInMemory(raw, DIMSE_BLOCKING, 0, &id, &data, nullptr, nullptr);
        delete data;
      }
      if (response.msg.CFindRSP.DimseStatus != 0xFF00) return response.msg.CFindRSP.DimseStatus;
    }
  };

  DcmDataset nested;
  nested.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  DcmItem* item = &nested;
  for (int depth = 0; depth < 200; ++depth) {
    DcmItem* inner = nullptr;
    ASSERT_TRUE(item->findOrCreateSequenceItem(DCM_ReferencedStudySequence, inner).good());
    item = inner;
  }
  EXPECT_EQ(find(nested, 1), 0xA900);

  DcmDataset plain;
  plain.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
  plain.putAndInsertString(DCM_StudyInstanceUID, "");
  EXPECT_EQ(find(plain, 2), 0x0000) << "the association carries on";
  ASC_releaseAssociation(raw);
}

TEST_F(DicomServiceTest, FindscuCanSendACancel) {
  Start(Options());
  StoreWithStorescu(MakeStudies());
  // findscu cancels after the first response; by then the few matches have all
  // been sent, so the cancel reaches an ended operation and must be ignored.
  const ToolResult result = RunTool(
      "findscu -v -aet VIEWER -aec TESSERA --cancel 1 -S "
      "-k QueryRetrieveLevel=IMAGE -k SOPInstanceUID " +
      Peer());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("Sending Cancel Request"), std::string::npos) << result.output;
  EXPECT_EQ(RunTool("echoscu -aec TESSERA " + Peer()).exit_code, 0);
}

TEST_F(DicomServiceTest, FindStopsAtACancelRequest) {
  Start(Options());
  // Enough matches that the answers cannot all be out before the cancel lands.
  constexpr int kMatches = 200;
  std::vector<InstanceSpec> specs;
  InstanceSpec spec;
  spec.study_uid = NewUid();
  spec.series_uid = NewUid();
  for (int i = 1; i <= kMatches; ++i) {
    spec.sop_uid = NewUid();
    spec.instance_number = i;
    specs.push_back(spec);
  }
  StoreWithStorescu(specs);
  RawAssociation opened =
      OpenRawAssociation("VIEWER", UID_FINDStudyRootQueryRetrieveInformationModel);
  ASSERT_TRUE(opened.association);
  T_ASC_Association* raw = opened.association.get();

  // The request and, right behind it, its cancel.
  T_DIMSE_Message request{};
  request.CommandField = DIMSE_C_FIND_RQ;
  request.msg.CFindRQ.MessageID = 1;
  std::strcpy(request.msg.CFindRQ.AffectedSOPClassUID,
              UID_FINDStudyRootQueryRetrieveInformationModel);
  request.msg.CFindRQ.Priority = DIMSE_PRIORITY_MEDIUM;
  request.msg.CFindRQ.DataSetType = DIMSE_DATASET_PRESENT;
  DcmDataset identifier;
  identifier.putAndInsertString(DCM_QueryRetrieveLevel, "IMAGE");
  identifier.putAndInsertString(DCM_SOPInstanceUID, "");
  ASSERT_TRUE(
      DIMSE_sendMessageUsingMemoryData(raw, 1, &request, nullptr, &identifier, nullptr, nullptr)
          .good());
  ASSERT_TRUE(DIMSE_sendCancelRequest(raw, 1, 1).good());

  int pending = 0;
  std::uint16_t final_status = 0;
  while (true) {
    T_DIMSE_Message response{};
    T_ASC_PresentationContextID id = 0;
    ASSERT_TRUE(DIMSE_receiveCommand(raw, DIMSE_BLOCKING, 0, &id, &response, nullptr).good());
    ASSERT_EQ(response.CommandField, DIMSE_C_FIND_RSP);
    if (response.msg.CFindRSP.DataSetType != DIMSE_DATASET_NULL) {
      DcmDataset* data = nullptr;
      ASSERT_TRUE(DIMSE_receiveDataSetInMemory(raw, DIMSE_BLOCKING, 0, &id, &data, nullptr, nullptr)
                      .good());
      delete data;
    }
    if (response.msg.CFindRSP.DimseStatus != 0xFF00) {
      final_status = response.msg.CFindRSP.DimseStatus;
      break;
    }
    ++pending;
  }
  EXPECT_EQ(final_status, 0xFE00);
  EXPECT_LT(pending, kMatches);
  ASC_releaseAssociation(raw);
}

TEST_F(DicomServiceTest, RefusesFindFromAnUnknownAeTitle) {
  Start(Options());
  const ToolResult result =
      RunTool("findscu -aet STRANGER -aec TESSERA -S -k QueryRetrieveLevel=STUDY " + Peer());
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("Calling AE Title Not Recognized"), std::string::npos)
      << result.output;
  // The same caller may still echo and store.
  EXPECT_EQ(RunTool("echoscu -aet STRANGER -aec TESSERA " + Peer()).exit_code, 0);
}

TEST_F(DicomServiceTest, RefusesAKnownPeerTheServicesItMayNotUseWithoutDisowningIt) {
  Start(Options());
  // MOVEDEST may only echo: configured, so not "not recognized".
  const ToolResult result =
      RunTool("findscu -aet MOVEDEST -aec TESSERA -S -k QueryRetrieveLevel=STUDY " + Peer());
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(result.output.find("Not Recognized"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("No Reason"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace tessera::dimse
