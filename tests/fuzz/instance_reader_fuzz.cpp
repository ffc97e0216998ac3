// Feeds a DICOM Part 10 file, as STOW-RS, uploads and C-STORE receive it, to
// dicom::ReadInstance (dicom/instance_reader.h): LoadPart10File's bounded parse
// (dicom/dicom_file.h), the structure check (dicom/structure_check.h), and the
// DICOM JSON metadata (dicom/dataset_json.h). The file is an in-memory file read
// by path. Checks: on success the four UIDs are valid UIDs; the metadata is a JSON
// object whose text is valid UTF-8 (nlohmann's dump() would throw otherwise)
// with 8-hex-digit keys each holding a "vr"; and DatasetFromJson reads it back.

#include <cstddef>
#include <cstdint>
#include <string>

#include "dicom/attribute_dictionary.h"
#include "dicom/dataset_json.h"
#include "dicom/instance_reader.h"
#include "fuzz/fuzz_support.h"

namespace {

void CheckJsonObject(const nlohmann::json& object) {
  FUZZ_CHECK(object.is_object());
  for (const auto& [key, element] : object.items()) {
    FUZZ_CHECK(key.size() == 8 && tessera::dicom::ParseHexTag(key).has_value());
    FUZZ_CHECK(element.is_object() && element.contains("vr"));
    if (element["vr"] != "SQ" || !element.contains("Value")) continue;
    for (const auto& item : element["Value"]) CheckJsonObject(item);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = tessera::fuzz::QuietLogs();
  (void)quiet;
  const tessera::fuzz::MemoryFile file(tessera::fuzz::AsText(data, size));
  tessera::dicom::ReadOptions options;
  options.bulk_data_uri_prefix = "bulk:";
  options.inline_binary_max_bytes = size % 2 == 0 ? 1024 : 16;
  auto info = tessera::dicom::ReadInstance(file.path(), options);
  if (!info) return 0;
  using tessera::dicom::IsValidUid;
  FUZZ_CHECK(IsValidUid(info->study_uid) && IsValidUid(info->series_uid));
  FUZZ_CHECK(IsValidUid(info->sop_instance_uid) && IsValidUid(info->sop_class_uid));
  CheckJsonObject(info->metadata);
  const std::string text = info->metadata.dump();  // throws on invalid UTF-8
  FUZZ_CHECK(nlohmann::json::accept(text));
  auto back = tessera::dicom::DatasetFromJson(info->metadata);
  if (!back) {
    std::fprintf(stderr, "DatasetFromJson: %s\nmetadata: %.4000s\n", back.error().message.c_str(),
                 text.c_str());
    FUZZ_CHECK(false && "the metadata ReadInstance writes reads back");
  }
  return 0;
}
