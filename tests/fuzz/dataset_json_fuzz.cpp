// Feeds DICOM JSON text (PS3.18 Annex F) to dicom::DatasetFromJson
// (dataset_from_json.cpp, used for C-FIND responses built from index JSON) and
// converts what it accepts back with DatasetToJson (dataset_json.h). Checks: the
// JSON written is valid UTF-8 text; reading the written JSON back succeeds; and
// the round trip is stable from the second pass on (the first may drop what
// DatasetFromJson skips: bulk data values, Pixel Data sent as InlineBinary).

#include <cstddef>
#include <cstdint>
#include <string>

#include "dicom/dataset_json.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = tessera::fuzz::QuietLogs();
  (void)quiet;
  const auto json = nlohmann::json::parse(tessera::fuzz::AsText(data, size), nullptr,
                                          /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  auto dataset = tessera::dicom::DatasetFromJson(json);
  if (!dataset) return 0;
  const tessera::dicom::JsonOptions options;
  auto first = tessera::dicom::DatasetToJson(**dataset, options);
  FUZZ_CHECK(first.has_value());
  const std::string first_text = first->dump();  // throws on invalid UTF-8
  auto again = tessera::dicom::DatasetFromJson(*first);
  if (!again) {
    std::fprintf(stderr, "DatasetFromJson: %s\n", again.error().message.c_str());
    FUZZ_CHECK(false && "the JSON DatasetToJson writes reads back");
  }
  auto second = tessera::dicom::DatasetToJson(**again, options);
  FUZZ_CHECK(second.has_value());
  auto third_dataset = tessera::dicom::DatasetFromJson(*second);
  FUZZ_CHECK(third_dataset.has_value());
  auto third = tessera::dicom::DatasetToJson(**third_dataset, options);
  FUZZ_CHECK(third.has_value());
  if (second->dump() != third->dump()) {
    std::fprintf(stderr, "first:  %s\nsecond: %s\nthird:  %s\n", first_text.c_str(),
                 second->dump().c_str(), third->dump().c_str());
    FUZZ_CHECK(false && "DICOM JSON round trip is stable");
  }
  return 0;
}
