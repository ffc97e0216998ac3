#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace tessera::dicom {

struct ReadOptions {
  // BulkDataURI values are written as `bulk_data_uri_prefix + <tag path>`, where the
  // tag path is "7FE00010" for a top-level element and "00540016/0/00181072"-style
  // ("<sequence tag>/<item index>/<tag>") inside sequences. The archive passes a
  // marker here and the handler swaps in the instance's real URL when serving.
  std::string bulk_data_uri_prefix;
  // Binary values (OB, OD, OF, OL, OV, OW, UN) longer than this become BulkDataURIs;
  // shorter ones are InlineBinary. Pixel Data is always bulk data.
  std::uint32_t inline_binary_max_bytes = 1024;
};

// What the archive needs from one received DICOM Part 10 file.
struct InstanceInfo {
  std::string study_uid;
  std::string series_uid;
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string transfer_syntax_uid;
  std::uint32_t number_of_frames = 0;  // 0 when the instance has no Pixel Data
  // The data set (not the File Meta Information) as a PS3.18 Annex F DICOM JSON
  // object: keys are 8-digit upper-case hex tags, text converted from the
  // Specific Character Set to UTF-8 (and (0008,0005) rewritten to "ISO_IR 192").
  nlohmann::json metadata;
};

// Parses the Part 10 file at `path` without loading Pixel Data or other large
// values into memory (values over 4 KiB stay on disk; only text and small binary
// values are read back for the metadata). Errors: kInvalidArgument when the file is
// not DICOM Part 10 ("not a DICOM Part 10 file"), is truncated ("truncated DICOM
// file", also when the truncation is inside skipped Pixel Data), or lacks one of
// the four UIDs above or one is not a valid UID (the message names the attribute,
// e.g. "missing SOPClassUID", "invalid StudyInstanceUID"); kIo when unreadable;
// kCorrupt when a value cannot be read. A character set that cannot be converted
// does not fail the read: see DatasetToJson (dicom/dataset_json.h) for the fallback.
// transfer_syntax_uid comes from the File Meta, or from the data when the File Meta
// lacks it. Thread-safe (no shared state).
Result<InstanceInfo> ReadInstance(const std::filesystem::path& path, const ReadOptions& options);

}  // namespace tessera::dicom
