#include "dicom/instance_reader.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "base/strings.h"
#include "dicom/attribute_dictionary.h"
#include "dicom/dataset_json.h"
#include "dicom/dicom_file.h"

namespace tessera::dicom {
namespace {

struct RequiredUid {
  std::string_view key;  // DICOM JSON tag
  std::string_view keyword;
  std::string InstanceInfo::*field;
};

constexpr RequiredUid kRequiredUids[] = {
    {"0020000D", "StudyInstanceUID", &InstanceInfo::study_uid},
    {"0020000E", "SeriesInstanceUID", &InstanceInfo::series_uid},
    {"00080018", "SOPInstanceUID", &InstanceInfo::sop_instance_uid},
    {"00080016", "SOPClassUID", &InstanceInfo::sop_class_uid},
};

// UIDs are padded with NUL to even length; some writers pad with spaces.
std::string UidValue(const OFString& raw) {
  return std::string(
      TrimRight(std::string_view(raw.data(), raw.size()), std::string_view(" \0", 2)));
}

// Reads the UID from the metadata rather than DCMTK, so that UN-encoded UIDs that
// DatasetToJson recovered count too.
Result<std::string> ReadUid(const nlohmann::json& metadata, const RequiredUid& required) {
  const auto attribute = metadata.find(required.key);
  if (attribute == metadata.end() || !attribute->contains("Value")) {
    return Fail(ErrorCode::kInvalidArgument, "missing " + std::string(required.keyword));
  }
  const nlohmann::json& values = (*attribute)["Value"];
  const bool valid = values.size() == 1 && values[0].is_string() &&
                     IsValidUid(values[0].get_ref<const std::string&>());
  if (!valid) return Fail(ErrorCode::kInvalidArgument, "invalid " + std::string(required.keyword));
  return values[0].get<std::string>();
}

std::string TransferSyntaxOf(DcmFileFormat& file) {
  OFString meta_uid;
  if (file.getMetaInfo()->findAndGetOFStringArray(DCM_TransferSyntaxUID, meta_uid).good()) {
    std::string uid = UidValue(meta_uid);
    if (!uid.empty()) return uid;
  }
  // The File Meta lacks it (some writers): report what DCMTK detected from the data.
  return DcmXfer(file.getDataset()->getOriginalXfer()).getXferID();
}

std::uint32_t NumberOfFrames(DcmItem& dataset) {
  const bool has_pixels = dataset.tagExists(DCM_PixelData) ||
                          dataset.tagExists(DCM_FloatPixelData) ||
                          dataset.tagExists(DCM_DoubleFloatPixelData);
  return has_pixels ? FrameCount(dataset) : 0;
}

}  // namespace

Result<InstanceInfo> ReadInstance(const std::filesystem::path& path, const ReadOptions& options) {
  auto file = LoadPart10File(path);
  if (!file) return std::move(file).error();
  DcmDataset& dataset = *(*file)->getDataset();

  auto metadata = DatasetToJson(
      dataset, JsonOptions{options.bulk_data_uri_prefix, options.inline_binary_max_bytes});
  if (!metadata) return std::move(metadata).error();

  InstanceInfo info;
  for (const RequiredUid& required : kRequiredUids) {
    auto uid = ReadUid(*metadata, required);
    if (!uid) return std::move(uid).error();
    info.*required.field = std::move(*uid);
  }
  info.transfer_syntax_uid = TransferSyntaxOf(**file);
  info.number_of_frames = NumberOfFrames(dataset);
  info.metadata = std::move(*metadata);
  return info;
}

}  // namespace tessera::dicom
