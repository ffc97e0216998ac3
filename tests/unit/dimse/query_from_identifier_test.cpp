#include "dimse/query_from_identifier.h"

#include <algorithm>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>

#include "dicom/attribute_dictionary.h"
#include "dimse/dimse_status.h"

namespace tessera::dimse {
namespace {

using archive::Condition;
using archive::MatchType;
using archive::QueryLevel;

constexpr archive::Tag kPatientName = 0x00100010;
constexpr archive::Tag kPatientId = 0x00100020;
constexpr archive::Tag kStudyDate = 0x00080020;
constexpr archive::Tag kStudyTime = 0x00080030;
constexpr archive::Tag kModalitiesInStudy = 0x00080061;
constexpr archive::Tag kStudyInstanceUid = 0x0020000D;
constexpr archive::Tag kSeriesInstanceUid = 0x0020000E;
constexpr archive::Tag kSopInstanceUid = 0x00080018;

class QueryFromIdentifierTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dicom::EnsureDataDictionary()); }

  DcmDataset& Level(const char* level) {
    identifier_.putAndInsertString(DCM_QueryRetrieveLevel, level);
    return identifier_;
  }
  void Key(const DcmTagKey& tag, const char* value) {
    ASSERT_TRUE(identifier_.putAndInsertString(tag, value).good());
  }
  static const Condition* FindCondition(const archive::Query& query, archive::Tag tag) {
    const auto found = std::find_if(query.conditions.begin(), query.conditions.end(),
                                    [tag](const Condition& c) { return c.tag == tag; });
    return found == query.conditions.end() ? nullptr : &*found;
  }
  Error FindError(InformationModel model = InformationModel::kStudyRoot) {
    auto request = QueryFromIdentifier(identifier_, model);
    EXPECT_FALSE(request);
    return request ? Error{} : request.error();
  }

  DcmDataset identifier_;
};

TEST_F(QueryFromIdentifierTest, MapsSopClassesToModels) {
  EXPECT_EQ(ModelOfSopClass(UID_FINDStudyRootQueryRetrieveInformationModel),
            InformationModel::kStudyRoot);
  EXPECT_EQ(ModelOfSopClass(UID_MOVEPatientRootQueryRetrieveInformationModel),
            InformationModel::kPatientRoot);
  EXPECT_EQ(ModelOfSopClass(UID_GETStudyRootQueryRetrieveInformationModel),
            InformationModel::kStudyRoot);
  EXPECT_EQ(ModelOfSopClass(UID_VerificationSOPClass), std::nullopt);
}

TEST_F(QueryFromIdentifierTest, StudyLevelKeysBecomeConditions) {
  Level("STUDY");
  Key(DCM_PatientName, "Doe^J*");
  Key(DCM_StudyDate, "20240101-20240131");
  Key(DCM_StudyTime, "");
  Key(DCM_StudyInstanceUID, "");
  Key(DCM_ModalitiesInStudy, "CT\\MR");
  Key(DCM_AccessionNumber, "ACC-1");
  auto request = QueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_TRUE(request) << request.error().message;
  const archive::Query& query = request->query;
  EXPECT_EQ(query.level, QueryLevel::kStudy);
  EXPECT_EQ(request->level_name, "STUDY");

  const Condition* name = FindCondition(query, kPatientName);
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->type, MatchType::kWildcard);
  EXPECT_EQ(name->values, std::vector<std::string>{"Doe^J*"});
  const Condition* date = FindCondition(query, kStudyDate);
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(date->type, MatchType::kRange);
  EXPECT_EQ(date->values, (std::vector<std::string>{"20240101", "20240131"}));
  EXPECT_EQ(FindCondition(query, kStudyTime)->type, MatchType::kUniversal);
  EXPECT_EQ(FindCondition(query, kStudyInstanceUid)->type, MatchType::kUniversal);
  const Condition* modalities = FindCondition(query, kModalitiesInStudy);
  ASSERT_NE(modalities, nullptr);
  EXPECT_EQ(modalities->type, MatchType::kUidList);
  EXPECT_EQ(modalities->values, (std::vector<std::string>{"CT", "MR"}));
  EXPECT_EQ(FindCondition(query, 0x00080050)->type, MatchType::kSingleValue);

  // Requested keys in request order; Study Root's study level has one unique key.
  EXPECT_EQ(request->requested.size(), 6u);
  EXPECT_EQ(request->requested.front(), 0x00080020u);  // DCMTK keeps tags sorted
  EXPECT_EQ(request->unique_keys, std::vector<archive::Tag>{kStudyInstanceUid});
}

TEST_F(QueryFromIdentifierTest, OpenRangesKeepAnEmptyBound) {
  Level("STUDY");
  Key(DCM_StudyDate, "-20231231");
  Key(DCM_StudyTime, "0800-");
  auto request = QueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(FindCondition(request->query, kStudyDate)->values,
            (std::vector<std::string>{"", "20231231"}));
  EXPECT_EQ(FindCondition(request->query, kStudyTime)->values,
            (std::vector<std::string>{"0800", ""}));
}

TEST_F(QueryFromIdentifierTest, AStarAloneIsUniversal) {
  Level("STUDY");
  Key(DCM_PatientName, "*");
  auto request = QueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_TRUE(request);
  EXPECT_EQ(FindCondition(request->query, kPatientName)->type, MatchType::kUniversal);
}

TEST_F(QueryFromIdentifierTest, SeriesLevelIsScopedByTheStudyUid) {
  Level("SERIES");
  Key(DCM_StudyInstanceUID, "1.2.3");
  Key(DCM_SeriesInstanceUID, "1.2.3.4\\1.2.3.5");
  Key(DCM_Modality, "");
  auto request = QueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->query.level, QueryLevel::kSeries);
  EXPECT_EQ(request->query.study_uid, "1.2.3");
  EXPECT_EQ(FindCondition(request->query, kStudyInstanceUid), nullptr);
  const Condition* series = FindCondition(request->query, kSeriesInstanceUid);
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->type, MatchType::kUidList);
  EXPECT_EQ(series->values, (std::vector<std::string>{"1.2.3.4", "1.2.3.5"}));
  EXPECT_EQ(request->unique_keys,
            (std::vector<archive::Tag>{kStudyInstanceUid, kSeriesInstanceUid}));
}

TEST_F(QueryFromIdentifierTest, PatientRootScopesByPatientIdAndReturnsIt) {
  Level("STUDY");
  Key(DCM_PatientID, "PID-1");
  Key(DCM_StudyDescription, "");
  auto request = QueryFromIdentifier(identifier_, InformationModel::kPatientRoot);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->query.patient_id, "PID-1");
  EXPECT_EQ(request->unique_keys, (std::vector<archive::Tag>{kPatientId, kStudyInstanceUid}));
}

TEST_F(QueryFromIdentifierTest, PatientLevelWorksInPatientRootOnly) {
  Level("PATIENT");
  Key(DCM_PatientName, "Doe*");
  Key(DCM_PatientID, "");
  auto request = QueryFromIdentifier(identifier_, InformationModel::kPatientRoot);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->query.level, QueryLevel::kPatient);
  EXPECT_EQ(request->unique_keys, std::vector<archive::Tag>{kPatientId});

  const Error error = FindError(InformationModel::kStudyRoot);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ToDimseStatus(Service::kFind, error.code), 0xA900);
}

TEST_F(QueryFromIdentifierTest, ImageLevelUsesUniqueKeysOfAllLevels) {
  Level("IMAGE");
  Key(DCM_StudyInstanceUID, "1.2.3");
  Key(DCM_SeriesInstanceUID, "1.2.3.4");
  Key(DCM_SOPInstanceUID, "");
  Key(DCM_InstanceNumber, "5");
  auto request = QueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->query.level, QueryLevel::kInstance);
  EXPECT_EQ(request->query.series_uid, "1.2.3.4");
  EXPECT_EQ(FindCondition(request->query, 0x00200013)->values, std::vector<std::string>{"5"});
  EXPECT_EQ(request->unique_keys,
            (std::vector<archive::Tag>{kStudyInstanceUid, kSeriesInstanceUid, kSopInstanceUid}));
}

TEST_F(QueryFromIdentifierTest, SequencesAreReturnKeysOnly) {
  Level("STUDY");
  DcmItem* item = nullptr;
  ASSERT_TRUE(identifier_.findOrCreateSequenceItem(DCM_ReferencedStudySequence, item).good());
  item->putAndInsertString(DCM_ReferencedSOPInstanceUID, "1.2.3");
  auto request = QueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_TRUE(request) << request.error().message;
  const Condition* sequence = FindCondition(request->query, 0x00081110);
  ASSERT_NE(sequence, nullptr);
  EXPECT_EQ(sequence->type, MatchType::kUniversal);
}

TEST_F(QueryFromIdentifierTest, DecodesTheSpecificCharacterSet) {
  Level("STUDY");
  Key(DCM_SpecificCharacterSet, "ISO_IR 100");
  Key(DCM_PatientName, "M\xFCller*");
  auto request = QueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(FindCondition(request->query, kPatientName)->values,
            std::vector<std::string>{"M\xC3\xBCller*"});
  // SpecificCharacterSet and QueryRetrieveLevel are not keys.
  EXPECT_EQ(request->requested, std::vector<archive::Tag>{kPatientName});
}

TEST_F(QueryFromIdentifierTest, RejectsAMissingOrUnknownLevel) {
  Key(DCM_PatientName, "Doe");
  EXPECT_EQ(FindError().code, ErrorCode::kInvalidArgument);
  Level("FRAME");
  EXPECT_NE(FindError().message.find("unknown level"), std::string::npos);
}

TEST_F(QueryFromIdentifierTest, RejectsMalformedValues) {
  Level("STUDY");
  Key(DCM_StudyDate, "2024-01");
  EXPECT_NE(FindError().message.find("StudyDate"), std::string::npos);
  Key(DCM_StudyDate, "2024*");
  EXPECT_EQ(FindError().code, ErrorCode::kInvalidArgument);
  Key(DCM_StudyDate, "20241301");
  EXPECT_EQ(FindError().code, ErrorCode::kInvalidArgument);
  Key(DCM_StudyDate, "");
  Key(DCM_StudyInstanceUID, "1.2.abc");
  EXPECT_NE(FindError().message.find("StudyInstanceUID"), std::string::npos);
  Key(DCM_StudyInstanceUID, "1.2.*");
  EXPECT_EQ(FindError().code, ErrorCode::kInvalidArgument);
  Key(DCM_StudyInstanceUID, "");
  Key(DCM_NumberOfStudyRelatedInstances, "many");
  EXPECT_EQ(FindError().code, ErrorCode::kInvalidArgument);
}

TEST_F(QueryFromIdentifierTest, RetrieveAtStudyLevelTakesUidLists) {
  Level("STUDY");
  Key(DCM_StudyInstanceUID, "1.2.3\\1.2.4");
  Key(DCM_PatientName, "ignored*");
  auto query = RetrieveQueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_TRUE(query) << query.error().message;
  EXPECT_EQ(query->level, QueryLevel::kStudy);
  ASSERT_EQ(query->conditions.size(), 1u);
  EXPECT_EQ(query->conditions[0].tag, kStudyInstanceUid);
  EXPECT_EQ(query->conditions[0].type, MatchType::kUidList);
  EXPECT_EQ(query->conditions[0].values, (std::vector<std::string>{"1.2.3", "1.2.4"}));
}

TEST_F(QueryFromIdentifierTest, RetrieveAtSeriesLevelIsScopedByItsStudy) {
  Level("SERIES");
  Key(DCM_StudyInstanceUID, "1.2.3");
  Key(DCM_SeriesInstanceUID, "1.2.3.4");
  auto query = RetrieveQueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_TRUE(query) << query.error().message;
  EXPECT_EQ(query->study_uid, "1.2.3");
  ASSERT_EQ(query->conditions.size(), 1u);
  EXPECT_EQ(query->conditions[0].type, MatchType::kSingleValue);
}

TEST_F(QueryFromIdentifierTest, RetrieveAtPatientLevelFindsThePatientsStudies) {
  Level("PATIENT");
  Key(DCM_PatientID, "PID-7");
  auto query = RetrieveQueryFromIdentifier(identifier_, InformationModel::kPatientRoot);
  ASSERT_TRUE(query) << query.error().message;
  EXPECT_EQ(query->level, QueryLevel::kStudy);
  ASSERT_EQ(query->conditions.size(), 1u);
  EXPECT_EQ(query->conditions[0].tag, kPatientId);
  EXPECT_EQ(query->conditions[0].values, std::vector<std::string>{"PID-7"});
}

TEST_F(QueryFromIdentifierTest, RetrieveNeedsTheUniqueKeyOfItsLevel) {
  Level("IMAGE");
  Key(DCM_StudyInstanceUID, "1.2.3");
  Key(DCM_SeriesInstanceUID, "1.2.3.4");
  auto missing = RetrieveQueryFromIdentifier(identifier_, InformationModel::kStudyRoot);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("SOPInstanceUID"), std::string::npos);
  Key(DCM_SOPInstanceUID, "1.2.3.4.*");
  EXPECT_FALSE(RetrieveQueryFromIdentifier(identifier_, InformationModel::kStudyRoot));
  Key(DCM_SOPInstanceUID, "1.2.3.4.5");
  EXPECT_TRUE(RetrieveQueryFromIdentifier(identifier_, InformationModel::kStudyRoot));
}

}  // namespace
}  // namespace tessera::dimse
