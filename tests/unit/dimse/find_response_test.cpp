#include "dimse/find_response.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <gtest/gtest.h>

#include "dicom/attribute_dictionary.h"

namespace tessera::dimse {
namespace {

nlohmann::json Match() {
  return nlohmann::json::parse(R"({
    "00080020": {"vr": "DA", "Value": ["20240115"]},
    "00080030": {"vr": "TM", "Value": ["101500"]},
    "00081030": {"vr": "LO", "Value": ["Chest CT"]},
    "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Doe^John"}]},
    "00100020": {"vr": "LO", "Value": ["PID-1"]},
    "0020000D": {"vr": "UI", "Value": ["1.2.3"]},
    "00201208": {"vr": "IS", "Value": [4]}
  })");
}

FindRequest StudyRequest(std::vector<archive::Tag> requested) {
  FindRequest request;
  request.level_name = "STUDY";
  request.requested = std::move(requested);
  request.unique_keys = {0x0020000D};
  return request;
}

class FindResponseTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dicom::EnsureDataDictionary()); }
};

TEST_F(FindResponseTest, ReturnsOnlyTheRequestedAndUniqueKeys) {
  const FindRequest request = StudyRequest({0x00100010, 0x00080020, 0x00201208});
  auto response = BuildFindResponse(Match(), request, "TESSERA");
  ASSERT_TRUE(response) << response.error().message;
  DcmDataset& dataset = **response;
  OFString value;
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_QueryRetrieveLevel, value).good());
  EXPECT_EQ(value, "STUDY");
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_PatientName, value).good());
  EXPECT_EQ(value, "Doe^John");
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_StudyDate, value).good());
  EXPECT_EQ(value, "20240115");
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_NumberOfStudyRelatedInstances, value).good());
  EXPECT_EQ(value, "4");
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_StudyInstanceUID, value).good());
  EXPECT_EQ(value, "1.2.3");
  EXPECT_FALSE(dataset.tagExists(DCM_StudyTime));
  EXPECT_FALSE(dataset.tagExists(DCM_StudyDescription));
  EXPECT_FALSE(dataset.tagExists(DCM_PatientID));
  EXPECT_FALSE(dataset.tagExists(DCM_SpecificCharacterSet));
  EXPECT_EQ(dataset.card(), 5u);
}

TEST_F(FindResponseTest, SendsRequestedKeysTheArchiveLacksEmpty) {
  const FindRequest request = StudyRequest({0x00080050, 0x00081110});
  auto response = BuildFindResponse(Match(), request, "TESSERA");
  ASSERT_TRUE(response) << response.error().message;
  DcmElement* element = nullptr;
  ASSERT_TRUE((*response)->findAndGetElement(DCM_AccessionNumber, element).good());
  EXPECT_EQ(element->getLength(), 0u);
  EXPECT_TRUE((*response)->tagExists(DCM_ReferencedStudySequence));
}

TEST_F(FindResponseTest, FillsTheRetrieveAeTitle) {
  const FindRequest request = StudyRequest({0x00080054});
  auto response = BuildFindResponse(Match(), request, "TESSERA");
  ASSERT_TRUE(response);
  OFString value;
  ASSERT_TRUE((*response)->findAndGetOFString(DCM_RetrieveAETitle, value).good());
  EXPECT_EQ(value, "TESSERA");
}

TEST_F(FindResponseTest, DeclaresUtf8WhenTextIsNotAscii) {
  nlohmann::json match = Match();
  match["00100010"]["Value"][0]["Alphabetic"] = "M\xC3\xBCller^Hans";
  const FindRequest request = StudyRequest({0x00100010});
  auto response = BuildFindResponse(match, request, "TESSERA");
  ASSERT_TRUE(response) << response.error().message;
  OFString value;
  ASSERT_TRUE((*response)->findAndGetOFString(DCM_SpecificCharacterSet, value).good());
  EXPECT_EQ(value, "ISO_IR 192");
  ASSERT_TRUE((*response)->findAndGetOFString(DCM_PatientName, value).good());
  EXPECT_EQ(value, "M\xC3\xBCller^Hans");
}

TEST_F(FindResponseTest, RejectsMalformedJson) {
  nlohmann::json match = Match();
  match["00100010"] = {{"vr", "PN"}, {"Value", nlohmann::json::array({42})}};
  const FindRequest request = StudyRequest({0x00100010});
  EXPECT_FALSE(BuildFindResponse(match, request, "TESSERA"));
}

}  // namespace
}  // namespace tessera::dimse
