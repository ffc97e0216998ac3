#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "archive/archive_impl.h"
#include "archive/query.h"

namespace tessera::archive::testing {

// A fresh folder under the temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The attributes a generated test instance gets; everything else comes from the
// pydicom file `source` (CT_small.dcm: a real 128x128 CT image).
struct TestInstance {
  std::string source = "CT_small.dcm";
  std::string study_uid = "1.2.3.1";
  std::string series_uid = "1.2.3.1.1";
  std::string sop_uid = "1.2.3.1.1.1";
  std::string sop_class_uid;  // empty: keep the source's
  std::string patient_name = "Doe^John";
  std::string patient_id = "P1";
  std::string issuer;
  std::string birth_date = "19700101";
  std::string sex = "M";
  std::string study_date = "20200101";
  std::string study_time = "101500";
  std::string accession = "ACC1";
  std::string study_description = "Head CT";
  std::string referring = "House^Gregory";
  std::string modality = "CT";
  std::string series_description = "Axial";
  std::string body_part = "HEAD";
  std::string series_number = "1";
  std::string instance_number = "1";
  // More attributes by keyword, e.g. {"InstitutionName", "General"}.
  std::map<std::string, std::string> extra;
};

// The pydicom test file `name`.
std::filesystem::path PydicomFile(const std::string& name);

// Writes `instance` as a Part 10 file (UTF-8, ISO_IR 192). Fails the test on error.
void WriteInstance(const std::filesystem::path& path, const TestInstance& instance);

// Copies `file` into a new incoming file of `archive`.
IncomingFile Receive(Archive& archive, const std::filesystem::path& file);

// Generates `instance` into the archive; returns Store's result.
Result<StoredInstance> StoreInstance(Archive& archive, const TestInstance& instance,
                                     std::string_view expected_study_uid = {});

// The whole content of `path` ("" when unreadable).
std::string ReadFile(const std::filesystem::path& path);

// The files under `dir`, recursively (regular files only).
std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& dir);

// Reads an integer attribute from a DICOM JSON object; -1 when absent.
std::int64_t IntOf(const nlohmann::json& object, std::string_view key);
// Reads the first string value (PN: the Alphabetic group); "" when absent.
std::string TextOf(const nlohmann::json& object, std::string_view key);

// A Query at `level` with nothing else set.
Query AtLevel(QueryLevel level);

// A Query with one condition.
Query QueryWith(QueryLevel level, Tag tag, MatchType type, std::vector<std::string> values);

// Runs `query` and returns the values of `key` (TextOf) of the matches, in order.
std::vector<std::string> FindTexts(const Archive& archive, const Query& query,
                                   std::string_view key);

}  // namespace tessera::archive::testing
