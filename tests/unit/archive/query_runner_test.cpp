#include "archive/query_runner.h"

#include <gtest/gtest.h>

#include "archive_test_util.h"

namespace tessera::archive {
namespace {

using testing::FindTexts;
using testing::IntOf;
using testing::QueryWith;
using testing::StoreInstance;
using testing::TempDir;
using testing::TestInstance;
using testing::TextOf;
using Strings = std::vector<std::string>;

constexpr Tag kPatientName = 0x00100010;
constexpr Tag kPatientId = 0x00100020;
constexpr Tag kStudyUid = 0x0020000D;
constexpr Tag kSeriesUid = 0x0020000E;
constexpr Tag kStudyDate = 0x00080020;
constexpr Tag kStudyTime = 0x00080030;
constexpr Tag kAccession = 0x00080050;
constexpr Tag kModalities = 0x00080061;
constexpr Tag kInstitution = 0x00080080;
constexpr Tag kStudyKey = kStudyUid;

// Four studies of three patients:
//   1.1  Müller^Hans  P1  20200110 103000  A[1]  MR series 1.1.1 (2), CT series 1.1.2 (1)
//   1.2  MÜLLER^HANS  P1  20200120 1030    A2    CT series 1.2.1
//   1.3  Smith^John   P2  20200201 08      B3    MR series 1.3.1, KNEE
//   1.4  Doe^Jane     p1  20191231 235959  (no accession)  US series 1.4.1
class QueryRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(true); }

  void Open(bool case_insensitive, std::size_t max_results = 0) {
    archive_.reset();
    ArchiveOptions options{dir_.path()};
    options.case_insensitive_names = case_insensitive;
    options.max_query_results = max_results;
    auto archive = ArchiveImpl::Open(options);
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
    if (populated_) return;
    populated_ = true;
    Add("1.1", "1.1.1", "1.1.1.1", [](TestInstance& i) {
      i.patient_name = "Müller^Hans";
      i.study_date = "20200110";
      i.study_time = "103000";
      i.accession = "A[1]";
      i.study_description = "Brain MRI";
      i.modality = "MR";
      i.instance_number = "1";
      i.extra = {{"InstitutionName", "General Hospital"}};
    });
    Add("1.1", "1.1.1", "1.1.1.2", [](TestInstance& i) {
      i.patient_name = "Müller^Hans";
      i.study_date = "20200110";
      i.study_time = "103000";
      i.accession = "A[1]";
      i.study_description = "Brain MRI";
      i.modality = "MR";
      i.instance_number = "2";
      i.extra = {{"InstitutionName", "General Hospital"}};
    });
    Add("1.1", "1.1.2", "1.1.2.1", [](TestInstance& i) {
      i.patient_name = "Müller^Hans";
      i.study_date = "20200110";
      i.study_time = "103000";
      i.accession = "A[1]";
      i.study_description = "Brain MRI";
      i.series_number = "2";
      i.extra = {{"InstitutionName", "General Hospital"}};
    });
    Add("1.2", "1.2.1", "1.2.1.1", [](TestInstance& i) {
      i.patient_name = "MÜLLER^HANS";
      i.study_date = "20200120";
      i.study_time = "1030";
      i.accession = "A2";
      i.study_description = "Chest CT";
      i.extra = {{"InstitutionName", "City Clinic"}};
    });
    Add("1.3", "1.3.1", "1.3.1.1", [](TestInstance& i) {
      i.patient_name = "Smith^John";
      i.patient_id = "P2";
      i.study_date = "20200201";
      i.study_time = "08";
      i.accession = "B3";
      i.modality = "MR";
      i.body_part = "KNEE";
    });
    Add("1.4", "1.4.1", "1.4.1.1", [](TestInstance& i) {
      i.patient_name = "Doe^Jane";
      i.patient_id = "p1";
      i.study_date = "20191231";
      i.study_time = "235959";
      i.accession = "";
      i.modality = "US";
    });
  }

  template <class Edit>
  void Add(std::string study, std::string series, std::string sop, Edit edit) {
    TestInstance instance;
    instance.study_uid = std::move(study);
    instance.series_uid = std::move(series);
    instance.sop_uid = std::move(sop);
    edit(instance);
    auto stored = StoreInstance(*archive_, instance);
    ASSERT_TRUE(stored) << stored.error().message;
  }

  Strings Studies(const Query& query) { return FindTexts(*archive_, query, "0020000D"); }

  Strings Studies(Tag tag, MatchType type, Strings values) {
    return Studies(QueryWith(QueryLevel::kStudy, tag, type, std::move(values)));
  }

  ErrorCode FailureOf(const Query& query) {
    auto result = archive_->Find(query);
    EXPECT_FALSE(result);
    return result ? ErrorCode::kInternal : result.error().code;
  }

  TempDir dir_;
  bool populated_ = false;
  std::unique_ptr<ArchiveImpl> archive_;
};

TEST_F(QueryRunnerTest, StudiesComeNewestFirstWithTheirDefaultAttributes) {
  auto result = archive_->Find(Query{});
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->matches.size(), 4u);
  EXPECT_EQ(Studies(Query{}), (Strings{"1.3", "1.2", "1.1", "1.4"}));
  const auto& study = result->matches[2];
  EXPECT_EQ(study["00100010"]["vr"], "PN");
  EXPECT_EQ(study["00100010"]["Value"][0]["Alphabetic"], "Müller^Hans");
  EXPECT_EQ(study["00100020"]["Value"], nlohmann::json({"P1"}));
  EXPECT_EQ(study["00080020"]["Value"], nlohmann::json({"20200110"}));
  EXPECT_EQ(study["00080030"]["Value"], nlohmann::json({"103000"}));
  EXPECT_EQ(study["00080050"]["Value"], nlohmann::json({"A[1]"}));
  EXPECT_EQ(study["00081030"]["Value"], nlohmann::json({"Brain MRI"}));
  EXPECT_EQ(study["00080090"]["Value"][0]["Alphabetic"], "House^Gregory");
  EXPECT_EQ(study["00080061"], (nlohmann::json{{"vr", "CS"}, {"Value", {"CT", "MR"}}}));
  EXPECT_EQ(study["00201206"], (nlohmann::json{{"vr", "IS"}, {"Value", {2}}}));
  EXPECT_EQ(study["00201208"], (nlohmann::json{{"vr", "IS"}, {"Value", {3}}}));
  EXPECT_FALSE(study.contains("00081190")) << "RetrieveURL is the handlers' job";
  // No value: present, without "Value".
  EXPECT_EQ(result->matches[3]["00080050"], (nlohmann::json{{"vr", "SH"}}));
  EXPECT_FALSE(result->total.has_value());
}

TEST_F(QueryRunnerTest, SingleValueMatchingIsExactAndCaseSensitiveForIds) {
  EXPECT_EQ(Studies(kPatientId, MatchType::kSingleValue, {"P1"}), (Strings{"1.2", "1.1"}));
  EXPECT_EQ(Studies(kPatientId, MatchType::kSingleValue, {"p1"}), (Strings{"1.4"}));
  EXPECT_EQ(Studies(kAccession, MatchType::kSingleValue, {"A2"}), (Strings{"1.2"}));
  EXPECT_EQ(Studies(kStudyDate, MatchType::kSingleValue, {"20200201"}), (Strings{"1.3"}));
  EXPECT_EQ(Studies(kAccession, MatchType::kSingleValue, {""}).size(), 4u) << "empty: universal";
  Query scoped;
  scoped.patient_id = "P2";
  EXPECT_EQ(Studies(scoped), (Strings{"1.3"}));
}

TEST_F(QueryRunnerTest, PersonNamesMatchCaseInsensitivelyBeyondAscii) {
  EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"müller^hans"}),
            (Strings{"1.2", "1.1"}));
  EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"MÜLLER^HANS"}),
            (Strings{"1.2", "1.1"}));
  EXPECT_TRUE(Studies(kPatientName, MatchType::kSingleValue, {"müller"}).empty());
  Open(false);
  EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"Müller^Hans"}), (Strings{"1.1"}));
  EXPECT_TRUE(Studies(kPatientName, MatchType::kSingleValue, {"müller^hans"}).empty());
  EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"MÜ*"}), (Strings{"1.2"}));
}

TEST_F(QueryRunnerTest, GreekNamesMatchWhateverTheirCaseAndFinalSigma) {
  Add("1.5", "1.5.1", "1.5.1.1", [](TestInstance& i) { i.patient_name = "Διονύσιος"; });
  EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"ΔΙΟΝΎΣΙΟΣ"}), (Strings{"1.5"}));
  EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"διονύσιοσ"}), (Strings{"1.5"}));
  EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"*ΣΙΟΣ"}), (Strings{"1.5"}));
}

// A name in three groups is found by any of them, and a value with groups
// matches group by group.
TEST_F(QueryRunnerTest, PersonNamesMatchTheirIdeographicAndPhoneticGroups) {
  Add("1.6", "1.6.1", "1.6.1.1", [](TestInstance& i) {
    i.patient_name = "Yamada^Tarou=山田^太郎=やまだ^たろう";
    i.referring = "Sato^Hanako=佐藤^花子=さとう^はなこ";
  });
  const auto studies = [&](std::string value) {
    const bool wildcard = value.find_first_of("*?") != std::string::npos;
    return Studies(kPatientName, wildcard ? MatchType::kWildcard : MatchType::kSingleValue,
                   {std::move(value)});
  };
  const Strings found{"1.6"};
  EXPECT_EQ(studies("yamada^tarou"), found);
  EXPECT_EQ(studies("山田^太郎"), found);
  EXPECT_EQ(studies("山田*"), found);
  EXPECT_EQ(studies("やまだ*"), found);
  EXPECT_EQ(studies("Yamada^Tarou=山田^太郎=やまだ^たろう"), found);
  EXPECT_EQ(studies("=山田*"), found);
  EXPECT_EQ(studies("Yamada^Tarou =山田^太郎 "), found);  // padded groups
  EXPECT_EQ(studies("Yamada*=*"), found);
  EXPECT_TRUE(studies("田中*").empty());
  EXPECT_TRUE(studies("Yamada^Tarou=田中^太郎").empty());
  const auto referred_by = [&](std::string value) {
    return Studies(0x00080090, MatchType::kWildcard, {std::move(value)});
  };
  EXPECT_EQ(referred_by("佐藤*"), found);
  EXPECT_EQ(referred_by("さとう*"), found);
  EXPECT_EQ(referred_by("=佐藤*"), found);
  EXPECT_TRUE(referred_by("==佐藤*").empty());
  EXPECT_TRUE(referred_by("山田*").empty());
  EXPECT_EQ(
      FailureOf(QueryWith(QueryLevel::kStudy, kPatientName, MatchType::kSingleValue, {"a=b=c=d"})),
      ErrorCode::kInvalidArgument);
}

// Names folded before FoldCaseUtf8 knew the final sigma are folded again by
// migration 5, so that they are found as new ones are.
TEST_F(QueryRunnerTest, UpgradeFoldsOlderFoldedNamesAgain) {
  Add("1.5", "1.5.1", "1.5.1.1", [](TestInstance& i) {
    i.patient_name = "Διονυσιος";
    i.referring = "Άρης";
  });
  archive_.reset();
  {
    auto connection = db::Connection::Open(dir_.path() / "index.db", {});
    ASSERT_TRUE(connection) << connection.error().message;
    ASSERT_TRUE(
        (*connection)
            ->Exec(
                "UPDATE patients SET patient_name_folded = 'διονυσιος' WHERE patient_name_folded = "
                "'διονυσιοσ'; UPDATE studies SET patient_name_folded = 'διονυσιος', "
                "referring_physician_name_folded = 'Άρης' WHERE study_uid = '1.5'; "
                "DROP INDEX patients_by_name_ideographic; DROP INDEX patients_by_name_phonetic; "
                "DROP INDEX studies_by_patient_name_ideographic; "
                "DROP INDEX studies_by_patient_name_phonetic; "
                "DROP INDEX studies_by_referring_ideographic; "
                "DROP INDEX studies_by_referring_phonetic; PRAGMA user_version = 4"));
  }
  Open(true);
  EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"ΔΙΟΝΥΣΙΟΣ"}), (Strings{"1.5"}));
  EXPECT_EQ(Studies(0x00080090, MatchType::kSingleValue, {"άρησ"}), (Strings{"1.5"}));
  Query by_patient = testing::AtLevel(QueryLevel::kPatient);
  by_patient.conditions.push_back({kPatientName, MatchType::kSingleValue, {"ΔΙΟΝΥΣΙΟΣ"}});
  EXPECT_EQ(FindTexts(*archive_, by_patient, "00100010"), (Strings{"Διονυσιος"}));
}

TEST_F(QueryRunnerTest, UpgradeFoldsNamesWithYDiaeresisAgain) {
  Add("1.5", "1.5.1", "1.5.1.1", [](TestInstance& i) {
    i.patient_name = "L'HAŸ^Żaneta";
    i.referring = "Ÿves";
  });
  archive_.reset();
  {
    // As an older version folded them: Ÿ to Ź.
    auto connection = db::Connection::Open(dir_.path() / "index.db", {});
    ASSERT_TRUE(connection) << connection.error().message;
    ASSERT_TRUE((*connection)
                    ->Exec("UPDATE patients SET patient_name_folded = 'l''haŹ^żaneta' "
                           "WHERE patient_name_folded = 'l''haÿ^żaneta'; "
                           "UPDATE studies SET patient_name_folded = 'l''haŹ^żaneta', "
                           "referring_physician_name_folded = 'Źves' WHERE study_uid = '1.5'; "
                           "PRAGMA user_version = 7"));
  }
  Open(true);
  EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"l'haÿ^ŻANETA"}), (Strings{"1.5"}));
  EXPECT_EQ(Studies(0x00080090, MatchType::kWildcard, {"ÿV*"}), (Strings{"1.5"}));
  Query by_patient = testing::AtLevel(QueryLevel::kPatient);
  by_patient.conditions.push_back({kPatientName, MatchType::kWildcard, {"L'HAŸ*"}});
  EXPECT_EQ(FindTexts(*archive_, by_patient, "00100010"), (Strings{"L'HAŸ^Żaneta"}));
}

// PS3.5 6.2: trailing empty components may be left out, so "Lestrade^G^^" and
// "Lestrade^G" are one name, whichever side has the delimiters.
TEST_F(QueryRunnerTest, PersonNamesMatchWithOrWithoutTrailingEmptyComponents) {
  Add("1.6", "1.6.1", "1.6.1.1", [](TestInstance& i) { i.patient_name = "Lestrade^G^^"; });
  Add("1.7", "1.7.1", "1.7.1.1", [](TestInstance& i) { i.patient_name = "Lestrade^Greg"; });
  Add("1.8", "1.8.1", "1.8.1.1", [](TestInstance& i) { i.patient_name = "Hudson"; });
  for (const bool fold : {true, false}) {
    SCOPED_TRACE(fold ? "case-insensitive" : "exact");
    Open(fold);
    EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"Lestrade^G"}), (Strings{"1.6"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"Lestrade^G^"}), (Strings{"1.6"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"Lestrade^G^^^^"}), (Strings{"1.6"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"Hudson^^"}), (Strings{"1.8"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kSingleValue, {"Smith^John^^^"}), (Strings{"1.3"}));
    EXPECT_TRUE(Studies(kPatientName, MatchType::kSingleValue, {"Lestrade"}).empty());
    EXPECT_TRUE(Studies(kPatientName, MatchType::kSingleValue, {"Hudson^M"}).empty());
    EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"*^G"}), (Strings{"1.6"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"Lestr?de^G^"}), (Strings{"1.6"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"Hudson^*"}), (Strings{"1.8"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"Lestrade^G^*"}), (Strings{"1.6"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"Lestrade^G*"}),
              (Strings{"1.7", "1.6"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"Smith*^^^^"}), (Strings{"1.3"}));
    EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"Hud*^"}), (Strings{"1.8"}));
  }
  Query by_name =
      QueryWith(QueryLevel::kStudy, kPatientName, MatchType::kSingleValue, {"LESTRADE^G"});
  EXPECT_EQ(FindTexts(*archive_, by_name, "00100010"), (Strings{}))
      << "the exact mode still tells case apart";
  Open(true);
  EXPECT_EQ(FindTexts(*archive_, by_name, "00100010"), (Strings{"Lestrade^G^^"}))
      << "answers carry the name as stored";
}

TEST_F(QueryRunnerTest, WildcardsMatchStarQuestionMarkAndLiteralBrackets) {
  EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"mü*"}), (Strings{"1.2", "1.1"}));
  EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"M?LLER*"}), (Strings{"1.2", "1.1"}));
  EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"*^JOHN"}), (Strings{"1.3"}));
  EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"?oe^Jane"}), (Strings{"1.4"}));
  EXPECT_EQ(Studies(kAccession, MatchType::kWildcard, {"A[*"}), (Strings{"1.1"}));
  EXPECT_EQ(Studies(kAccession, MatchType::kWildcard, {"A[1]"}), (Strings{"1.1"}));
  EXPECT_EQ(Studies(kAccession, MatchType::kWildcard, {"A?*"}), (Strings{"1.2", "1.1"}));
  EXPECT_EQ(Studies(kAccession, MatchType::kWildcard, {"a*"}), (Strings{})) << "case-sensitive";
  EXPECT_EQ(Studies(kAccession, MatchType::kWildcard, {"*"}).size(), 4u);
  EXPECT_EQ(Studies(0x00081030, MatchType::kWildcard, {"*MRI"}), (Strings{"1.1"}));
}

TEST_F(QueryRunnerTest, DateRangesAreInclusiveAndMayBeOpen) {
  EXPECT_EQ(Studies(kStudyDate, MatchType::kRange, {"20200101", "20200131"}),
            (Strings{"1.2", "1.1"}));
  EXPECT_EQ(Studies(kStudyDate, MatchType::kRange, {"", "20200110"}), (Strings{"1.1", "1.4"}));
  EXPECT_EQ(Studies(kStudyDate, MatchType::kRange, {"20200120", ""}), (Strings{"1.3", "1.2"}));
  EXPECT_EQ(Studies(kStudyDate, MatchType::kRange, {"20200110", "20200110"}), (Strings{"1.1"}));
}

TEST_F(QueryRunnerTest, TimeRangesComparePartialTimesByWhatTheyMean) {
  EXPECT_EQ(Studies(kStudyTime, MatchType::kRange, {"10", "11"}), (Strings{"1.2", "1.1"}));
  EXPECT_EQ(Studies(kStudyTime, MatchType::kRange, {"0800", "0900"}), (Strings{"1.3"}));
  EXPECT_TRUE(Studies(kStudyTime, MatchType::kRange, {"", "0759"}).empty());
  EXPECT_EQ(Studies(kStudyTime, MatchType::kRange, {"2359", ""}), (Strings{"1.4"}));
  EXPECT_EQ(Studies(kStudyTime, MatchType::kRange, {"", "10"}), (Strings{"1.3", "1.2", "1.1"}));
  EXPECT_EQ(Studies(kStudyTime, MatchType::kSingleValue, {"1030"}), (Strings{"1.2", "1.1"}));
}

TEST_F(QueryRunnerTest, UidListsAndScopeUidsSelectStudiesAndSeries) {
  EXPECT_EQ(Studies(kStudyUid, MatchType::kUidList, {"1.1", "1.3", "9.9"}),
            (Strings{"1.3", "1.1"}));
  Query scoped;
  scoped.study_uid = "1.4";
  EXPECT_EQ(Studies(scoped), (Strings{"1.4"}));
  Query series =
      QueryWith(QueryLevel::kSeries, kSeriesUid, MatchType::kUidList, {"1.1.2", "1.3.1"});
  EXPECT_EQ(FindTexts(*archive_, series, "0020000E"), (Strings{"1.3.1", "1.1.2"}));
  series.study_uid = "1.1";
  EXPECT_EQ(FindTexts(*archive_, series, "0020000E"), (Strings{"1.1.2"}));
}

TEST_F(QueryRunnerTest, FuzzyMatchingFindsAnyNameWordByItsStart) {
  Query query = QueryWith(QueryLevel::kStudy, kPatientName, MatchType::kSingleValue, {"hans"});
  EXPECT_TRUE(Studies(query).empty());
  query.fuzzy_matching = true;
  EXPECT_EQ(Studies(query), (Strings{"1.2", "1.1"}));
  query.conditions[0].values = {"joh"};
  EXPECT_EQ(Studies(query), (Strings{"1.3"}));
  query.conditions[0].values = {"smith^john"};
  EXPECT_EQ(Studies(query), (Strings{"1.3"}));
  query.conditions[0].values = {"ans"};
  EXPECT_TRUE(Studies(query).empty());
  Query pattern = QueryWith(QueryLevel::kStudy, kPatientName, MatchType::kWildcard, {"hans*"});
  pattern.fuzzy_matching = true;
  EXPECT_TRUE(Studies(pattern).empty()) << "a wildcard pattern is not widened";
}

TEST_F(QueryRunnerTest, FuzzyMatchingComparesDescriptionsRegardlessOfCase) {
  constexpr Tag kStudyDescription = 0x00081030;
  constexpr Tag kSeriesDescription = 0x0008103E;
  Query contains =
      QueryWith(QueryLevel::kStudy, kStudyDescription, MatchType::kWildcard, {"*mri*"});
  EXPECT_TRUE(Studies(contains).empty()) << "exact matching without fuzzymatching";
  contains.fuzzy_matching = true;
  EXPECT_EQ(Studies(contains), (Strings{"1.1"}));
  Query single =
      QueryWith(QueryLevel::kStudy, kStudyDescription, MatchType::kSingleValue, {"CHEST ct"});
  single.fuzzy_matching = true;
  EXPECT_EQ(Studies(single), (Strings{"1.2"}));
  Query prefix = QueryWith(QueryLevel::kStudy, kStudyDescription, MatchType::kWildcard, {"b?AIN*"});
  prefix.fuzzy_matching = true;
  EXPECT_EQ(Studies(prefix), (Strings{"1.1"}));
  Query series = QueryWith(QueryLevel::kSeries, kSeriesDescription, MatchType::kWildcard, {"AX*"});
  series.study_uid = "1.1";
  series.fuzzy_matching = true;
  EXPECT_EQ(FindTexts(*archive_, series, "0020000E"), (Strings{"1.1.1", "1.1.2"}));
  Query accession = QueryWith(QueryLevel::kStudy, kAccession, MatchType::kSingleValue, {"a2"});
  accession.fuzzy_matching = true;
  EXPECT_TRUE(Studies(accession).empty()) << "identifiers stay case-sensitive";
}

TEST_F(QueryRunnerTest, ModalitiesInStudyMatchesWhenAnySeriesHasTheModality) {
  EXPECT_EQ(Studies(kModalities, MatchType::kSingleValue, {"MR"}), (Strings{"1.3", "1.1"}));
  EXPECT_EQ(Studies(kModalities, MatchType::kUidList, {"US", "CT"}),
            (Strings{"1.2", "1.1", "1.4"}));
  EXPECT_EQ(Studies(kModalities, MatchType::kWildcard, {"M*"}), (Strings{"1.3", "1.1"}));
  EXPECT_EQ(Studies(0x00080062, MatchType::kSingleValue, {"1.2.840.10008.5.1.4.1.1.2"}).size(), 4u);
}

TEST_F(QueryRunnerTest, IncludeAddsAttributesAndIncludeAllAddsEveryLevelAbove) {
  Query query;
  query.study_uid = "1.1";
  query.include = {kInstitution, 0x00201204, 0x00080060, 0x00181030};
  auto result = archive_->Find(query);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->matches.size(), 1u);
  const auto& study = result->matches[0];
  EXPECT_EQ(study["00080080"], (nlohmann::json{{"vr", "LO"}, {"Value", {"General Hospital"}}}));
  EXPECT_EQ(IntOf(study, "00201204"), 4);
  EXPECT_FALSE(study.contains("00080060")) << "series attributes are not kept per study";
  EXPECT_EQ(study["00181030"], (nlohmann::json{{"vr", "LO"}})) << "requested, no value";

  Query all;
  all.level = QueryLevel::kSeries;
  all.study_uid = "1.3";
  all.include_all = true;
  result = archive_->Find(all);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->matches.size(), 1u);
  const auto& series = result->matches[0];
  for (const char* key : {"00100010", "00100020", "00201200", "0020000D", "00080020", "00080061",
                          "00201206", "0020000E", "00080060", "00201209"}) {
    EXPECT_TRUE(series.contains(key)) << key;
  }
  EXPECT_EQ(series["00180015"]["Value"], nlohmann::json({"KNEE"}));
  EXPECT_FALSE(series.contains("00080018"));
}

TEST_F(QueryRunnerTest, OrderOffsetLimitAndTotal) {
  Query query;
  query.order_by = {{kAccession, true}};
  // Byte order: "A[1]" > "A2" since '[' > '2'; no value sorts last descending.
  EXPECT_EQ(Studies(query), (Strings{"1.3", "1.1", "1.2", "1.4"}));
  query.order_by = {{kPatientName, false}, {kStudyDate, true}};
  EXPECT_EQ(Studies(query), (Strings{"1.4", "1.2", "1.1", "1.3"}));
  query.offset = 1;
  query.limit = 2;
  query.count_total = true;
  auto result = archive_->Find(query);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(Studies(query), (Strings{"1.2", "1.1"}));
  ASSERT_TRUE(result->total.has_value());
  EXPECT_EQ(*result->total, 4u);
  query.conditions = {Condition{kPatientId, MatchType::kSingleValue, {"P1"}}};
  result = archive_->Find(query);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->matches.size(), 1u);
  EXPECT_EQ(*result->total, 2u);
  query.order_by = {{kInstitution, false}};  // not indexed: read from the metadata
  query.conditions.clear();
  query.offset = 0;
  query.limit.reset();
  // CT_small.dcm's own InstitutionName is "JFK IMAGING CENTER".
  EXPECT_EQ(Studies(query), (Strings{"1.2", "1.1", "1.3", "1.4"}));
}

// The unfiltered total is kept by triggers, not counted: it must follow every
// study added and removed, and nothing else.
TEST_F(QueryRunnerTest, AnswersStopAtTheMaximumAndSaySo) {
  Open(true, 2);
  const auto truncated = [&](const Query& query) {
    auto text = archive_->FindText(query);
    auto tree = archive_->Find(query);
    EXPECT_TRUE(text && tree);
    if (!text || !tree) return false;
    EXPECT_EQ(text->truncated, tree->truncated);
    EXPECT_EQ(text->matches.size(), tree->matches.size());
    return text->truncated;
  };
  // Unpaged: the first two of the default order.
  EXPECT_EQ(Studies(Query{}), (Strings{"1.3", "1.2"}));
  EXPECT_TRUE(truncated(Query{}));

  // A page within the maximum is what was asked for, more matches or not.
  Query page;
  page.limit = 2;
  EXPECT_EQ(Studies(page), (Strings{"1.3", "1.2"}));
  EXPECT_FALSE(truncated(page));

  // A longer page is cut at the maximum, after its offset.
  page.limit = 10;
  page.offset = 1;
  EXPECT_EQ(Studies(page), (Strings{"1.2", "1.1"}));
  EXPECT_TRUE(truncated(page));
  page.offset = 2;  // two left: they fit
  EXPECT_EQ(Studies(page), (Strings{"1.1", "1.4"}));
  EXPECT_FALSE(truncated(page));

  // Exactly the maximum matches: complete.
  const Query mullers = QueryWith(QueryLevel::kStudy, kPatientName, MatchType::kWildcard, {"m*"});
  EXPECT_EQ(Studies(mullers), (Strings{"1.2", "1.1"}));
  EXPECT_FALSE(truncated(mullers));

  // The total still counts every match.
  Query counted;
  counted.count_total = true;
  auto result = archive_->FindText(counted);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->matches.size(), 2u);
  EXPECT_EQ(result->total, 4u);
  EXPECT_TRUE(result->truncated);
}

TEST_F(QueryRunnerTest, TheUnfilteredStudyTotalFollowsStoresAndDeletes) {
  Query query;
  query.limit = 1;
  query.count_total = true;
  const auto total = [&]() -> std::uint64_t {
    auto result = archive_->Find(query);
    EXPECT_TRUE(result) << result.error().message;
    return result && result->total ? *result->total : 0;
  };
  EXPECT_EQ(total(), 4u);
  Add("1.5", "1.5.1", "1.5.1.1", [](TestInstance&) {});
  Add("1.5", "1.5.1", "1.5.1.2", [](TestInstance&) {});  // same study: not counted again
  EXPECT_EQ(total(), 5u);
  ASSERT_TRUE(archive_->Delete(Scope{"1.1", "1.1.2", ""}));  // a series: the study stays
  EXPECT_EQ(total(), 5u);
  ASSERT_TRUE(archive_->Delete(Scope{"1.1", "", ""}));
  ASSERT_TRUE(archive_->Delete(Scope{"1.5", "1.5.1", "1.5.1.1"}));
  EXPECT_EQ(total(), 4u);
  ASSERT_TRUE(archive_->Delete(Scope{"1.5", "1.5.1", "1.5.1.2"}));  // its last instance
  EXPECT_EQ(total(), 3u);
  Open(true);  // the total is stored, not held in memory
  EXPECT_EQ(total(), 3u);
  EXPECT_EQ(Studies(Query{}).size(), 3u);
}

TEST_F(QueryRunnerTest, AttributesWithoutAColumnMatchThroughTheStoredMetadata) {
  EXPECT_EQ(Studies(kInstitution, MatchType::kSingleValue, {"City Clinic"}), (Strings{"1.2"}));
  EXPECT_EQ(Studies(kInstitution, MatchType::kWildcard, {"*Hospital"}), (Strings{"1.1"}));
  EXPECT_EQ(Studies(kInstitution, MatchType::kUidList, {"City Clinic", "General Hospital"}),
            (Strings{"1.2", "1.1"}));
  Query instances =
      QueryWith(QueryLevel::kInstance, kInstitution, MatchType::kSingleValue, {"General Hospital"});
  EXPECT_EQ(FindTexts(*archive_, instances, "00080018"),
            (Strings{"1.1.1.1", "1.1.2.1", "1.1.1.2"}));
  Query dates = QueryWith(QueryLevel::kInstance, 0x00080022, MatchType::kRange,
                          {"19970101", "19971231"});  // CT_small's AcquisitionDate 19970430
  EXPECT_EQ(FindTexts(*archive_, dates, "00080018").size(), 6u);
  dates.conditions[0].values = {"19980101", ""};
  EXPECT_TRUE(FindTexts(*archive_, dates, "00080018").empty());
  // IS values are numbers in the metadata: "2" and "02" both match 2.
  Query numbers = QueryWith(QueryLevel::kInstance, 0x00200012, MatchType::kSingleValue, {"02"});
  EXPECT_EQ(FindTexts(*archive_, numbers, "00080018").size(), 6u);
  EXPECT_EQ(FindTexts(*archive_, numbers, "00200012")[0], "2");
  // DS values are decimals: CT_small's SliceThickness 5.0 and SliceLocation -77.2040634155.
  Query decimals = QueryWith(QueryLevel::kInstance, 0x00180050, MatchType::kSingleValue, {"5.0"});
  EXPECT_EQ(FindTexts(*archive_, decimals, "00080018").size(), 6u);
  decimals.conditions[0].values = {"5"};
  EXPECT_EQ(FindTexts(*archive_, decimals, "00080018").size(), 6u);
  decimals.conditions[0].values = {"0.8"};
  EXPECT_TRUE(FindTexts(*archive_, decimals, "00080018").empty());
  decimals.conditions[0].type = MatchType::kUidList;
  decimals.conditions[0].values = {"0.8", "5e0"};
  EXPECT_EQ(FindTexts(*archive_, decimals, "00080018").size(), 6u);
  Query location =
      QueryWith(QueryLevel::kInstance, 0x00201041, MatchType::kSingleValue, {" -77.2040634155"});
  EXPECT_EQ(FindTexts(*archive_, location, "00080018").size(), 6u);
}

TEST_F(QueryRunnerTest, InvalidConditionsAreRejected) {
  // A sequence, an attribute below the level, ranges on what is not a date/time.
  EXPECT_EQ(FailureOf(QueryWith(QueryLevel::kStudy, 0x00081110, MatchType::kSingleValue, {"x"})),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(FailureOf(QueryWith(QueryLevel::kStudy, 0x00080060, MatchType::kSingleValue, {"CT"})),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(FailureOf(QueryWith(QueryLevel::kStudy, kPatientId, MatchType::kRange, {"a", "b"})),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(FailureOf(QueryWith(QueryLevel::kStudy, kStudyDate, MatchType::kRange, {"2020-01"})),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      FailureOf(QueryWith(QueryLevel::kStudy, kStudyDate, MatchType::kRange, {"2020-01", ""})),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(FailureOf(QueryWith(QueryLevel::kStudy, kStudyUid, MatchType::kUidList, {})),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(FailureOf(QueryWith(QueryLevel::kSeries, 0x00200011, MatchType::kSingleValue, {"two"})),
            ErrorCode::kInvalidArgument);
  for (const char* not_a_number : {"five", "1.5.2", "inf", "1e999"}) {
    EXPECT_EQ(FailureOf(QueryWith(QueryLevel::kInstance, 0x00180050, MatchType::kSingleValue,
                                  {not_a_number})),
              ErrorCode::kInvalidArgument)
        << not_a_number;
  }
  Query patient_with_study;
  patient_with_study.level = QueryLevel::kPatient;
  patient_with_study.study_uid = "1.1";
  EXPECT_EQ(FailureOf(patient_with_study), ErrorCode::kInvalidArgument);
  Query order_below;
  order_below.order_by = {{0x00080060, false}};
  EXPECT_EQ(FailureOf(order_below), ErrorCode::kInvalidArgument);
  // A lower-level return key is ignored rather than refused.
  EXPECT_EQ(Studies(0x00080060, MatchType::kUniversal, {}).size(), 4u);
}

TEST_F(QueryRunnerTest, SeriesQueriesMatchAttributesOfTheLevelsAbove) {
  Query query =
      QueryWith(QueryLevel::kSeries, kPatientName, MatchType::kSingleValue, {"smith^john"});
  auto result = archive_->Find(query);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->matches.size(), 1u);
  const auto& series = result->matches[0];
  EXPECT_EQ(TextOf(series, "0020000E"), "1.3.1");
  EXPECT_EQ(TextOf(series, "0020000D"), "1.3");
  EXPECT_EQ(TextOf(series, "00080060"), "MR");
  EXPECT_EQ(IntOf(series, "00200011"), 1);
  EXPECT_EQ(IntOf(series, "00201209"), 1);

  Query by_number = QueryWith(QueryLevel::kSeries, 0x00200011, MatchType::kSingleValue, {"2"});
  by_number.study_uid = "1.1";
  EXPECT_EQ(FindTexts(*archive_, by_number, "0020000E"), (Strings{"1.1.2"}));
  Query in_study;
  in_study.level = QueryLevel::kSeries;
  in_study.study_uid = "1.1";
  result = archive_->Find(in_study);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->matches.size(), 2u);
  EXPECT_EQ(TextOf(result->matches[0], "0020000E"), "1.1.1");
  EXPECT_TRUE(result->matches[0].contains("0020000D"));
  EXPECT_FALSE(result->matches[0].contains("00100010")) << "study fixed by the path";
}

TEST_F(QueryRunnerTest, InstanceQueriesReturnNumbersAsNumbers) {
  Query query;
  query.level = QueryLevel::kInstance;
  query.study_uid = "1.1";
  query.series_uid = "1.1.1";
  auto result = archive_->Find(query);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->matches.size(), 2u);
  const auto& instance = result->matches[0];
  EXPECT_EQ(TextOf(instance, "00080018"), "1.1.1.1");
  EXPECT_EQ(TextOf(instance, "0020000D"), "1.1");
  EXPECT_EQ(TextOf(instance, "0020000E"), "1.1.1");
  EXPECT_EQ(TextOf(instance, "00080016"), "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(instance["00280010"], (nlohmann::json{{"vr", "US"}, {"Value", {128}}}));
  EXPECT_EQ(instance["00280011"], (nlohmann::json{{"vr", "US"}, {"Value", {128}}}));
  EXPECT_EQ(instance["00280100"], (nlohmann::json{{"vr", "US"}, {"Value", {16}}}));
  EXPECT_EQ(instance["00200013"], (nlohmann::json{{"vr", "IS"}, {"Value", {1}}}));
  EXPECT_EQ(instance["00280008"], (nlohmann::json{{"vr", "IS"}, {"Value", {1}}}));
  EXPECT_FALSE(instance.contains("00080060")) << "series fixed by the path";
  Query all_instances;
  all_instances.level = QueryLevel::kInstance;
  result = archive_->Find(all_instances);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->matches.size(), 6u);
  EXPECT_TRUE(result->matches[0].contains("00100010"));
  EXPECT_TRUE(result->matches[0].contains("00080060"));
}

TEST_F(QueryRunnerTest, PatientQueriesCountStudiesSeriesAndInstances) {
  Query query = QueryWith(QueryLevel::kPatient, kPatientId, MatchType::kSingleValue, {"P1"});
  auto result = archive_->Find(query);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->matches.size(), 1u);
  const auto& patient = result->matches[0];
  EXPECT_EQ(IntOf(patient, "00201200"), 2);
  EXPECT_EQ(IntOf(patient, "00201202"), 3);
  EXPECT_EQ(IntOf(patient, "00201204"), 4);
  // The most recent instance's name.
  EXPECT_EQ(TextOf(patient, "00100010"), "MÜLLER^HANS");
  EXPECT_EQ(FindTexts(*archive_, testing::AtLevel(QueryLevel::kPatient), "00100020"),
            (Strings{"p1", "P1", "P2"}));
}

TEST_F(QueryRunnerTest, EveryMatchTypeWorksAtEveryLevel) {
  const auto texts = [&](QueryLevel level, Tag tag, MatchType type, Strings values,
                         const char* key) {
    return FindTexts(*archive_, QueryWith(level, tag, type, std::move(values)), key);
  };
  // Patient level.
  EXPECT_EQ(texts(QueryLevel::kPatient, kPatientName, MatchType::kSingleValue, {"smith^john"},
                  "00100020"),
            (Strings{"P2"}));
  EXPECT_EQ(texts(QueryLevel::kPatient, kPatientName, MatchType::kWildcard, {"*^J*"}, "00100020"),
            (Strings{"p1", "P2"}));
  EXPECT_EQ(texts(QueryLevel::kPatient, kPatientId, MatchType::kUidList, {"P2", "p1"}, "00100020"),
            (Strings{"p1", "P2"}));
  EXPECT_EQ(texts(QueryLevel::kPatient, 0x00100030, MatchType::kRange, {"19600101", "19751231"},
                  "00100020")
                .size(),
            3u);
  EXPECT_EQ(texts(QueryLevel::kPatient, 0x00201200, MatchType::kSingleValue, {"2"}, "00100020"),
            (Strings{"P1"}));
  EXPECT_EQ(texts(QueryLevel::kPatient, kPatientId, MatchType::kUniversal, {}, "00100020").size(),
            3u);
  // Series level.
  EXPECT_EQ(texts(QueryLevel::kSeries, 0x00080060, MatchType::kSingleValue, {"US"}, "0020000E"),
            (Strings{"1.4.1"}));
  EXPECT_EQ(texts(QueryLevel::kSeries, 0x00080060, MatchType::kWildcard, {"M?"}, "0020000E"),
            (Strings{"1.1.1", "1.3.1"}));
  EXPECT_EQ(
      texts(QueryLevel::kSeries, kSeriesUid, MatchType::kUidList, {"1.2.1", "1.4.1"}, "0020000E"),
      (Strings{"1.2.1", "1.4.1"}));
  EXPECT_EQ(texts(QueryLevel::kSeries, kStudyDate, MatchType::kRange, {"20200115", ""}, "0020000E"),
            (Strings{"1.2.1", "1.3.1"}));
  EXPECT_EQ(texts(QueryLevel::kSeries, 0x00180015, MatchType::kUniversal, {}, "00180015").size(),
            5u);
  // Instance level.
  EXPECT_EQ(
      texts(QueryLevel::kInstance, 0x00080018, MatchType::kSingleValue, {"1.1.1.2"}, "00080018"),
      (Strings{"1.1.1.2"}));
  EXPECT_EQ(texts(QueryLevel::kInstance, 0x00080018, MatchType::kUidList, {"1.1.1.2", "1.3.1.1"},
                  "00080018"),
            (Strings{"1.3.1.1", "1.1.1.2"}));
  EXPECT_EQ(texts(QueryLevel::kInstance, 0x00080018, MatchType::kWildcard, {"1.1.*"}, "00080018"),
            (Strings{"1.1.1.1", "1.1.2.1", "1.1.1.2"}));
  EXPECT_EQ(texts(QueryLevel::kInstance, 0x00200013, MatchType::kSingleValue, {"2"}, "00080018"),
            (Strings{"1.1.1.2"}));
  EXPECT_EQ(
      texts(QueryLevel::kInstance, kStudyTime, MatchType::kRange, {"0700", "0900"}, "00080018"),
      (Strings{"1.3.1.1"}));
  EXPECT_EQ(texts(QueryLevel::kInstance, 0x00280010, MatchType::kUniversal, {}, "00280010").front(),
            "128");
}

TEST_F(QueryRunnerTest, DateTimeRangesOnMetadataCompareNormalisedValues) {
  Add("1.6", "1.6.1", "1.6.1.1", [](TestInstance& i) {
    i.extra = {{"AcquisitionDateTime", "20200315103000+0100"}};
  });
  Add("1.6", "1.6.1", "1.6.1.2", [](TestInstance& i) {
    i.extra = {{"AcquisitionDateTime", "2020031610"}};
  });
  const auto sops = [&](MatchType type, Strings values) {
    Query query = QueryWith(QueryLevel::kInstance, 0x0008002A, type, std::move(values));
    query.study_uid = "1.6";
    return FindTexts(*archive_, query, "00080018");
  };
  EXPECT_EQ(sops(MatchType::kRange, {"2020", "2020"}), (Strings{"1.6.1.1", "1.6.1.2"}));
  EXPECT_EQ(sops(MatchType::kRange, {"20200316", ""}), (Strings{"1.6.1.2"}));
  EXPECT_EQ(sops(MatchType::kRange, {"", "202003151030"}), (Strings{"1.6.1.1"}));
  EXPECT_EQ(sops(MatchType::kRange, {"20200315103001", "20200316095959"}), (Strings{}));
  EXPECT_EQ(sops(MatchType::kSingleValue, {"20200316100000"}), (Strings{"1.6.1.2"}));
  EXPECT_EQ(
      FailureOf(QueryWith(QueryLevel::kInstance, 0x0008002A, MatchType::kRange, {"2020-03", ""})),
      ErrorCode::kInvalidArgument);
}

TEST_F(QueryRunnerTest, PersonNamesWithMoreThanAlphabeticGroupsComeBackWhole) {
  Add("1.5", "1.5.1", "1.5.1.1",
      [](TestInstance& i) { i.patient_name = "Yamada^Tarou=山田^太郎=やまだ^たろう"; });
  Query query;
  query.study_uid = "1.5";
  auto result = archive_->Find(query);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->matches.size(), 1u);
  EXPECT_EQ(result->matches[0]["00100010"]["Value"][0],
            (nlohmann::json{{"Alphabetic", "Yamada^Tarou"},
                            {"Ideographic", "山田^太郎"},
                            {"Phonetic", "やまだ^たろう"}}));
  EXPECT_EQ(Studies(kPatientName, MatchType::kWildcard, {"yamada*"}), (Strings{"1.5"}));
}

}  // namespace
}  // namespace tessera::archive
