#pragma once

#include <cstdint>
#include <string>

#include "archive/archive.h"
#include "http/blocking_pool.h"

namespace tessera::dicomweb {

struct DicomwebOptions {
  std::string prefix = "/zhiva";              // archive URL prefix (upload endpoint lives here)
  std::string dicomweb_path = "/zhiva/pacs";  // DICOMweb root
  std::string wado_uri_path = "/zhiva/wado";
  // Absolute base URL for RetrieveURL/BulkDataURI; empty: from the request's Host.
  std::string public_url;
  std::uint64_t max_upload_bytes = 2000ull << 20;
  // Upper bound on the bytes a zip upload may expand to (zip bombs).
  std::uint64_t max_zip_expanded_bytes = 64ull << 30;
};

// What every DICOMweb handler works with. Built once by DicomwebService; the
// referenced objects outlive it.
struct Context {
  archive::Archive& archive;
  http::BlockingPool& pool;
  DicomwebOptions options;
};

}  // namespace tessera::dicomweb
