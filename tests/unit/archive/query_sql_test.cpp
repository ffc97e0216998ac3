#include "archive/query_sql.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

#include "archive/index_writer.h"
#include "archive/sql_helpers.h"
#include "archive_test_util.h"
#include "base/strings.h"

namespace tessera::archive {
namespace {

using nlohmann::json;
using testing::QueryWith;
using testing::TempDir;

TEST(QuerySqlTest, StatementTextDependsOnTheShapeNotTheValues) {
  const Query a = QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"O'Bri*"});
  const Query b = QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"smi*"});
  auto sql_a = BuildQuerySql(a, {});
  auto sql_b = BuildQuerySql(b, {});
  ASSERT_TRUE(sql_a && sql_b);
  EXPECT_EQ(sql_a->sql, sql_b->sql);
  EXPECT_EQ(sql_a->sql.find("O'Bri"), std::string::npos);
  EXPECT_EQ(sql_a->count_sql.find("LIMIT"), std::string::npos);
  // The prefix range is bound: "o'bri" .. "o'brj".
  EXPECT_EQ(std::get<std::string>(sql_a->binds[0]), "o'bri");
  EXPECT_EQ(std::get<std::string>(sql_a->binds[1]), "o'brj");
  // A literal prefix and '*' is its range, with no GLOB to test.
  EXPECT_EQ(sql_a->sql.find("GLOB"), std::string::npos);
  // The name's first three characters, for studies_by_name_start.
  EXPECT_EQ(std::get<std::string>(sql_a->binds[2]), "o'b");
  EXPECT_EQ(sql_a->where_binds, 3u);
  // The count leaves the name's start out: the name index's range counts faster.
  EXPECT_EQ(sql_a->count_sql.find("substr"), std::string::npos);

  const Query c = QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"smi*th"});
  auto sql_c = BuildQuerySql(c, {});
  ASSERT_TRUE(sql_c);
  EXPECT_NE(sql_c->sql.find("GLOB"), std::string::npos);

  // A start that is not whole UTF-8 characters is not used: the range alone decides.
  const Query d = QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"ab\xC3*"});
  auto sql_d = BuildQuerySql(d, {});
  ASSERT_TRUE(sql_d);
  EXPECT_EQ(sql_d->sql.find("substr"), std::string::npos);
}

// Synthetic studies inserted through the real IndexWriter in one transaction
// (a test-only bulk path: no files, no parsing), then queried through Find.
// TESSERA_QUERY_STUDIES overrides the count (e.g. 1000000 for the 1M check).
class QueryScaleTest : public ::testing::Test {
 protected:
  static std::size_t StudyCount() {
    const char* count = std::getenv("TESSERA_QUERY_STUDIES");
    return count != nullptr ? std::strtoull(count, nullptr, 10) : 10000;
  }

  static json Text(std::string vr, std::string value) {
    return json{{"vr", std::move(vr)}, {"Value", {std::move(value)}}};
  }

  void SetUp() override {
    auto archive = ArchiveImpl::Open(ArchiveOptions{dir_.path()});
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);

    const char* surnames[] = {"Smith",    "Müller", "Garcia", "Nguyen", "Okafor", "Rossi",
                              "Kowalski", "Tanaka", "Dubois", "Jensen", "Silva",  "Cohen"};
    const char* given[] = {"Anna", "Ben", "Chloé", "David", "Eva", "Farid", "Grace", "Hugo"};
    const char* modalities[] = {"CT", "MR", "US", "CR", "DX", "PT"};
    std::mt19937 random(7);
    const std::size_t count = StudyCount();
    const auto start = std::chrono::steady_clock::now();
    auto status = archive_->database().Write([&](db::Connection& connection) -> Status {
      db::Transaction transaction(connection);
      if (auto s = transaction.Begin(); !s) return s;
      IndexWriter writer(connection, archive_->writer_sql());
      for (std::size_t i = 0; i < count; ++i) {
        const std::string n = std::to_string(i);
        const std::string name = std::string(surnames[random() % 12]) + "^" + given[random() % 8] +
                                 "^" + std::to_string(i % 97);
        char date[16];
        std::snprintf(
            date, sizeof date, "%04u%02u%02u", 2000 + static_cast<unsigned>(random() % 25),
            1 + static_cast<unsigned>(random() % 12), 1 + static_cast<unsigned>(random() % 28));
        char time[16];
        std::snprintf(time, sizeof time, "%02u%02u%02u", static_cast<unsigned>(random() % 24),
                      static_cast<unsigned>(random() % 60), static_cast<unsigned>(random() % 60));
        dicom::InstanceInfo info;
        info.study_uid = "2.25.1." + n;
        info.series_uid = "2.25.2." + n;
        info.sop_instance_uid = "2.25.3." + n;
        info.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2";
        info.transfer_syntax_uid = "1.2.840.10008.1.2.1";
        info.number_of_frames = 1;
        info.metadata = json{
            {"00080016", Text("UI", info.sop_class_uid)},
            {"00080018", Text("UI", info.sop_instance_uid)},
            {"00080020", Text("DA", date)},
            {"00080030", Text("TM", time)},
            {"00080050", Text("SH", "ACC" + n)},
            {"00080060", Text("CS", modalities[random() % 6])},
            {"00080080", Text("LO", "Hospital " + std::to_string(i % 50))},
            {"00081030", Text("LO", "Study " + std::to_string(i % 300))},
            {"00100010", json{{"vr", "PN"}, {"Value", {{{"Alphabetic", name}}}}}},
            {"00100020", Text("LO", "PID" + std::to_string(i / 2))},
            {"00100030", Text("DA", "19700101")},
            {"00100040", Text("CS", i % 2 == 0 ? "F" : "M")},
            {"0020000D", Text("UI", info.study_uid)},
            {"0020000E", Text("UI", info.series_uid)},
            {"00200010", Text("SH", n)},
            {"00200011", json{{"vr", "IS"}, {"Value", {1}}}},
            {"00200013", json{{"vr", "IS"}, {"Value", {1}}}},
            {"00280010", json{{"vr", "US"}, {"Value", {512}}}},
            {"00280011", json{{"vr", "US"}, {"Value", {512}}}},
        };
        const InstanceRecord record = MakeInstanceRecord(info, 1000, 0);
        if (auto s = writer.Insert(record, static_cast<BlobNumber>(1000000 + i), std::nullopt);
            !s) {
          return s;
        }
      }
      return transaction.Commit();
    });
    ASSERT_TRUE(status) << status.error().message;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ timing   ] indexed %zu synthetic studies in %.1f s\n", count, seconds);
  }

  // EXPLAIN QUERY PLAN of the query's main statement, one detail per line.
  std::string Plan(const Query& query) {
    auto sql = BuildQuerySql(query, {});
    EXPECT_TRUE(sql) << sql.error().message;
    if (!sql) return "";
    auto plan = archive_->database().Write([&](db::Connection& connection) -> Result<std::string> {
      auto statement = connection.Prepare("EXPLAIN QUERY PLAN " + sql->sql);
      if (!statement) return std::move(statement).error();
      for (std::size_t i = 0; i < sql->binds.size(); ++i) {
        BindValue(*statement, static_cast<int>(i + 1), sql->binds[i]);
      }
      std::string details;
      while (true) {
        auto row = statement->Step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        details += std::string(statement->ColumnText(3)) + "\n";
      }
      return details;
    });
    EXPECT_TRUE(plan) << plan.error().message;
    return plan ? *plan : "";
  }

  // Runs `query` a few times; returns the best time in ms and the match count.
  std::pair<double, std::size_t> Time(const Query& query) {
    double best = 1e9;
    std::size_t matches = 0;
    for (int run = 0; run < 5; ++run) {
      const auto start = std::chrono::steady_clock::now();
      auto result = archive_->Find(query);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      EXPECT_TRUE(result) << result.error().message;
      if (!result) break;
      matches = result->matches.size();
      best = std::min(best, ms);
    }
    return {best, matches};
  }

  void Report(const char* what, const Query& query) {
    const auto [ms, matches] = Time(query);
    std::printf("[ timing   ] %-36s %8.2f ms  (%zu matches of %zu studies)\n", what, ms, matches,
                StudyCount());
  }

  static Query Limited(Query query, std::size_t limit) {
    query.limit = limit;
    return query;
  }

  TempDir dir_;
  std::unique_ptr<ArchiveImpl> archive_;
};

TEST_F(QueryScaleTest, CommonStudyQueriesUseIndexes) {
  const std::string list = Plan(Limited(Query{}, 100));
  EXPECT_NE(list.find("studies_by_date_time"), std::string::npos) << list;
  EXPECT_EQ(list.find("TEMP B-TREE"), std::string::npos) << list;

  const std::string by_id =
      Plan(QueryWith(QueryLevel::kStudy, 0x00100020, MatchType::kSingleValue, {"PID42"}));
  EXPECT_NE(by_id.find("studies_by_patient_id"), std::string::npos) << by_id;

  const std::string by_name =
      Plan(Limited(QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"gar*"}), 100));
  EXPECT_NE(by_name.find("studies_by_name_start"), std::string::npos) << by_name;
  EXPECT_EQ(by_name.find("TEMP B-TREE"), std::string::npos) << by_name;

  const std::string by_name_exact =
      Plan(QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kSingleValue, {"Garcia^Ben^7"}));
  EXPECT_NE(by_name_exact.find("studies_by_patient_name_folded"), std::string::npos)
      << by_name_exact;

  const std::string by_short_name =
      Plan(Limited(QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"ga*"}), 100));
  EXPECT_NE(by_short_name.find("studies_by_patient_name_folded"), std::string::npos)
      << by_short_name;

  // Kanji or kana may be in any group; the other groups have partial indexes.
  const std::string by_kanji =
      Plan(QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"山田*"}));
  EXPECT_NE(by_kanji.find("studies_by_patient_name_ideographic"), std::string::npos) << by_kanji;
  EXPECT_NE(by_kanji.find("studies_by_patient_name_phonetic"), std::string::npos) << by_kanji;
  EXPECT_EQ(by_kanji.find("SCAN"), std::string::npos) << by_kanji;
  const std::string by_ideographic =
      Plan(QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"=山田*"}));
  EXPECT_NE(by_ideographic.find("studies_by_patient_name_ideographic"), std::string::npos)
      << by_ideographic;
  const std::string by_referring_kanji =
      Plan(QueryWith(QueryLevel::kStudy, 0x00080090, MatchType::kWildcard, {"佐藤*"}));
  EXPECT_NE(by_referring_kanji.find("studies_by_referring_ideographic"), std::string::npos)
      << by_referring_kanji;
  EXPECT_NE(by_referring_kanji.find("studies_by_referring_phonetic"), std::string::npos)
      << by_referring_kanji;
  EXPECT_EQ(by_referring_kanji.find("SCAN"), std::string::npos) << by_referring_kanji;
  const std::string patients_by_kana = Plan(
      QueryWith(QueryLevel::kPatient, 0x00100010, MatchType::kSingleValue, {"==やまだ^たろう"}));
  EXPECT_NE(patients_by_kana.find("patients_by_name_phonetic"), std::string::npos)
      << patients_by_kana;

  const std::string by_date =
      Plan(QueryWith(QueryLevel::kStudy, 0x00080020, MatchType::kRange, {"20200101", "20200131"}));
  EXPECT_NE(by_date.find("studies_by_date_time"), std::string::npos) << by_date;

  const std::string by_uids = Plan(
      QueryWith(QueryLevel::kStudy, 0x0020000D, MatchType::kUidList, {"2.25.1.1", "2.25.1.2"}));
  EXPECT_NE(by_uids.find("sqlite_autoindex_studies"), std::string::npos) << by_uids;

  const std::string by_accession =
      Plan(QueryWith(QueryLevel::kStudy, 0x00080050, MatchType::kSingleValue, {"ACC7"}));
  EXPECT_NE(by_accession.find("studies_by_accession"), std::string::npos) << by_accession;

  Query series;
  series.level = QueryLevel::kSeries;
  series.study_uid = "2.25.1.7";
  const std::string in_study = Plan(series);
  EXPECT_NE(in_study.find("sqlite_autoindex_studies"), std::string::npos) << in_study;
  EXPECT_NE(in_study.find("series_by_study"), std::string::npos) << in_study;

  Query instances;
  instances.level = QueryLevel::kInstance;
  instances.study_uid = "2.25.1.7";
  instances.series_uid = "2.25.2.7";
  const std::string in_series = Plan(instances);
  EXPECT_NE(in_series.find("instances_by_series"), std::string::npos) << in_series;
}

// The explorer sorts its study list newest first explicitly; a common name
// prefix must take the same date-ordered path as with the default order.
TEST_F(QueryScaleTest, AnExplicitNewestFirstOrderAlsoReadsInDateOrder) {
  Query query =
      Limited(QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"Smi*"}), 50);
  query.order_by = {OrderBy{0x00080020, /*descending=*/true}};
  const std::string plan = Plan(query);
  EXPECT_NE(plan.find("studies_by_name_start"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;

  // StudyDate alone, either way, is the default order in that direction.
  Query by_date = Limited(Query{}, 100);
  by_date.order_by = {OrderBy{0x00080020, /*descending=*/true}};
  auto newest = archive_->Find(by_date);
  auto unordered = archive_->Find(Limited(Query{}, 100));
  ASSERT_TRUE(newest && unordered);
  EXPECT_EQ(newest->matches, unordered->matches);
  EXPECT_EQ(Plan(by_date).find("TEMP B-TREE"), std::string::npos) << Plan(by_date);
  by_date.order_by.front().descending = false;
  auto oldest = archive_->Find(by_date);
  auto all = archive_->Find(Query{});
  ASSERT_TRUE(oldest && all);
  ASSERT_EQ(oldest->matches.size(), 100u);
  for (std::size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(oldest->matches[i], all->matches[all->matches.size() - 1 - i]) << i;
  }

  // Shorter than studies_by_name_start's key: the probe decides.
  query.conditions[0].values = {"Sm*"};
  auto sql = BuildQuerySql(query, {});
  ASSERT_TRUE(sql);
  ASSERT_FALSE(sql->ordered_sql.empty());
  EXPECT_NE(sql->ordered_sql.find("+st.patient_name_folded >="), std::string::npos);

  query.order_by = {OrderBy{0x00080020, /*descending=*/false}};
  sql = BuildQuerySql(query, {});
  ASSERT_TRUE(sql);
  EXPECT_TRUE(sql->ordered_sql.empty());  // oldest first: the name index serves better

  // A page that ends past the probe's cap may need most of the prefix's matches:
  // reading newest first could read every study to find them.
  query.order_by.clear();
  query.limit = static_cast<std::size_t>(kProbeCap) - 10;
  query.offset = 10;
  sql = BuildQuerySql(query, {});
  ASSERT_TRUE(sql);
  EXPECT_TRUE(sql->ordered_sql.empty());
  query.offset = 9;
  sql = BuildQuerySql(query, {});
  ASSERT_TRUE(sql);
  EXPECT_FALSE(sql->ordered_sql.empty());
}

TEST_F(QueryScaleTest, CommonPrefixesReadTheStudyListInDateOrder) {
  // Every study's description starts with "Study": the probe hits its cap.
  const Query common =
      Limited(QueryWith(QueryLevel::kStudy, 0x00081030, MatchType::kWildcard, {"Study*"}), 100);
  auto sql = BuildQuerySql(common, {});
  ASSERT_TRUE(sql);
  ASSERT_FALSE(sql->ordered_sql.empty());
  EXPECT_NE(sql->ordered_sql.find("+st.study_description >="), std::string::npos);
  auto plan = archive_->database().Write([&](db::Connection& connection) -> Result<std::string> {
    auto statement = connection.Prepare("EXPLAIN QUERY PLAN " + sql->ordered_sql);
    if (!statement) return std::move(statement).error();
    std::string details;
    while (true) {
      auto row = statement->Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      details += std::string(statement->ColumnText(3)) + "\n";
    }
    return details;
  });
  ASSERT_TRUE(plan);
  EXPECT_NE(plan->find("studies_by_date_time"), std::string::npos) << *plan;
  EXPECT_EQ(plan->find("TEMP B-TREE"), std::string::npos) << *plan;

  // Same page as the unfiltered list, since every study matches.
  auto filtered = archive_->Find(common);
  auto unfiltered = archive_->Find(Limited(Query{}, 100));
  ASSERT_TRUE(filtered && unfiltered);
  EXPECT_EQ(filtered->matches, unfiltered->matches);
  // A rare prefix keeps its index (and the same answers as without the probe).
  const Query rare =
      Limited(QueryWith(QueryLevel::kStudy, 0x00081030, MatchType::kWildcard, {"Study 29*"}), 100);
  auto few = archive_->Find(rare);
  ASSERT_TRUE(few);
  EXPECT_EQ(few->matches.size(), std::min<std::size_t>(100, 11 * StudyCount() / 300));
  for (const auto& match : few->matches) {
    EXPECT_EQ(testing::TextOf(match, "00081030").rfind("Study 29", 0), 0u);
  }
}

// Every way a name prefix can be served (studies_by_name_start for three
// characters or more, the probe and the name index below that) gives the
// unfiltered study list's order, filtered: checked against that list.
TEST_F(QueryScaleTest, NamePrefixPagesAreTheStudyListFiltered) {
  auto all = archive_->Find(Query{});
  ASSERT_TRUE(all);
  for (const std::string prefix :
       {"smi", "SMITH^A", "M\xC3\xBCl", "m\xC3\xBCller^chlo", "Sm", "S", "Tanaka^Hugo^1", "Xyz"}) {
    std::vector<std::string> expected;
    for (const auto& match : all->matches) {
      const std::string name = FoldCaseUtf8(testing::TextOf(match, "00100010"));
      if (name.starts_with(FoldCaseUtf8(prefix))) {
        expected.push_back(testing::TextOf(match, "0020000D"));
      }
    }
    for (const std::size_t offset : {std::size_t{0}, std::size_t{100}}) {
      Query page = Limited(
          QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {prefix + "*"}), 100);
      page.offset = offset;
      page.count_total = true;
      const auto uids = testing::FindTexts(*archive_, page, "0020000D");
      auto counted = archive_->Find(page);
      ASSERT_TRUE(counted) << counted.error().message;
      EXPECT_EQ(counted->total, expected.size()) << prefix;
      const auto begin = expected.begin() + std::min(offset, expected.size());
      const std::vector<std::string> want(
          begin, begin + std::min<std::size_t>(100, expected.end() - begin));
      EXPECT_EQ(uids, want) << prefix << " offset " << offset;
    }
  }
}

TEST_F(QueryScaleTest, PrintsFindTimings) {
  Report("/studies?limit=100", Limited(Query{}, 100));
  const bool small = StudyCount() <= 100000;  // all of a million would need gigabytes
  if (small) Report("/studies (all)", Query{});
  Report("PatientID=PID42",
         QueryWith(QueryLevel::kStudy, 0x00100020, MatchType::kSingleValue, {"PID42"}));
  Report("StudyDescription=Study*&limit=100",
         Limited(QueryWith(QueryLevel::kStudy, 0x00081030, MatchType::kWildcard, {"Study*"}), 100));
  Report("PatientName=gar*&limit=100",
         Limited(QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"gar*"}), 100));
  Report("StudyDate=20200101-20200131",
         QueryWith(QueryLevel::kStudy, 0x00080020, MatchType::kRange, {"20200101", "20200131"}));
  Report("StudyDate=2020-01..2020-06&limit=100",
         Limited(
             QueryWith(QueryLevel::kStudy, 0x00080020, MatchType::kRange, {"20200101", "20200630"}),
             100));
  Report("ModalitiesInStudy=MR&limit=100",
         Limited(QueryWith(QueryLevel::kStudy, 0x00080061, MatchType::kSingleValue, {"MR"}), 100));
  Query counted = Limited(Query{}, 100);
  counted.count_total = true;
  Report("limit=100 + count_total", counted);
  Report("PatientName=*ller* (scan)&limit=100",
         Limited(QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kWildcard, {"*ller*"}), 100));
  Report("InstitutionName (JSON)&limit=100",
         Limited(QueryWith(QueryLevel::kStudy, 0x00080080, MatchType::kSingleValue, {"Hospital 7"}),
                 100));
  Query fuzzy =
      Limited(QueryWith(QueryLevel::kStudy, 0x00100010, MatchType::kSingleValue, {"chlo"}), 100);
  fuzzy.fuzzy_matching = true;
  Report("fuzzy PatientName=chlo&limit=100", fuzzy);

  if (!small) return;
  auto all = archive_->Find(Query{});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->matches.size(), StudyCount());
}

}  // namespace
}  // namespace tessera::archive
