#include "archive_test_util.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace tessera::archive::testing {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "tessera-archive-XXXXXX").string();
  const char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path PydicomFile(const std::string& name) {
  return std::filesystem::path(TESSERA_PYDICOM_TEST_FILES) / name;
}

static void Put(DcmDataset& dataset, const DcmTagKey& key, const std::string& value) {
  ASSERT_TRUE(dataset.putAndInsertString(DcmTag(key), value.c_str()).good());
}

void WriteInstance(const std::filesystem::path& path, const TestInstance& instance) {
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(PydicomFile(instance.source).c_str()).good()) << instance.source;
  DcmDataset& dataset = *file.getDataset();
  Put(dataset, DCM_SpecificCharacterSet, "ISO_IR 192");
  Put(dataset, DCM_StudyInstanceUID, instance.study_uid);
  Put(dataset, DCM_SeriesInstanceUID, instance.series_uid);
  Put(dataset, DCM_SOPInstanceUID, instance.sop_uid);
  if (!instance.sop_class_uid.empty()) Put(dataset, DCM_SOPClassUID, instance.sop_class_uid);
  Put(dataset, DCM_PatientName, instance.patient_name);
  Put(dataset, DCM_PatientID, instance.patient_id);
  Put(dataset, DCM_IssuerOfPatientID, instance.issuer);
  Put(dataset, DCM_PatientBirthDate, instance.birth_date);
  Put(dataset, DCM_PatientSex, instance.sex);
  Put(dataset, DCM_StudyDate, instance.study_date);
  Put(dataset, DCM_StudyTime, instance.study_time);
  Put(dataset, DCM_AccessionNumber, instance.accession);
  Put(dataset, DCM_StudyDescription, instance.study_description);
  Put(dataset, DCM_ReferringPhysicianName, instance.referring);
  Put(dataset, DCM_Modality, instance.modality);
  Put(dataset, DCM_SeriesDescription, instance.series_description);
  Put(dataset, DCM_BodyPartExamined, instance.body_part);
  Put(dataset, DCM_SeriesNumber, instance.series_number);
  Put(dataset, DCM_InstanceNumber, instance.instance_number);
  for (const auto& [keyword, value] : instance.extra) {
    DcmTag tag;
    ASSERT_TRUE(DcmTag::findTagFromName(keyword.c_str(), tag).good()) << keyword;
    Put(dataset, tag, value);
  }
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_Unknown).good()) << path;
}

IncomingFile Receive(Archive& archive, const std::filesystem::path& file) {
  auto incoming = archive.NewIncomingFile();
  EXPECT_TRUE(incoming) << incoming.error().message;
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(incoming->Write(bytes));
  return std::move(*incoming);
}

Result<StoredInstance> StoreInstance(Archive& archive, const TestInstance& instance,
                                     std::string_view expected_study_uid) {
  TempDir scratch;
  const auto path = scratch.path() / "instance.dcm";
  WriteInstance(path, instance);
  return archive.Store(Receive(archive, path), expected_study_uid);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

std::int64_t IntOf(const nlohmann::json& object, std::string_view key) {
  const auto element = object.find(std::string(key));
  if (element == object.end() || !element->contains("Value")) return -1;
  return (*element)["Value"][0].get<std::int64_t>();
}

std::string TextOf(const nlohmann::json& object, std::string_view key) {
  const auto element = object.find(std::string(key));
  if (element == object.end() || !element->contains("Value")) return "";
  const auto& value = (*element)["Value"][0];
  if (value.is_object()) return value.value("Alphabetic", "");
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

Query AtLevel(QueryLevel level) {
  Query query;
  query.level = level;
  return query;
}

Query QueryWith(QueryLevel level, Tag tag, MatchType type, std::vector<std::string> values) {
  Query query;
  query.level = level;
  query.conditions.push_back(Condition{tag, type, std::move(values)});
  return query;
}

std::vector<std::string> FindTexts(const Archive& archive, const Query& query,
                                   std::string_view key) {
  auto result = archive.Find(query);
  EXPECT_TRUE(result) << result.error().message;
  std::vector<std::string> texts;
  if (!result) return texts;
  for (const auto& match : result->matches) texts.push_back(TextOf(match, key));
  return texts;
}

}  // namespace tessera::archive::testing
