#include "dimse/find_response.h"

#include <string>

#include <dcmtk/dcmdata/dcdeftag.h>

#include "dicom/attribute_dictionary.h"
#include "dicom/dataset_json.h"

namespace tessera::dimse {
namespace {

constexpr archive::Tag kRetrieveAeTitle = 0x00080054;

DcmTagKey KeyOf(archive::Tag tag) { return DcmTagKey(tag >> 16, tag & 0xFFFF); }

void CopyKey(const nlohmann::json& match, archive::Tag tag, nlohmann::json& out) {
  const std::string key = dicom::TagToHex(tag);
  const auto found = match.find(key);
  if (found != match.end()) out[key] = *found;
}

}  // namespace

Result<std::unique_ptr<DcmDataset>> BuildFindResponse(const nlohmann::json& match,
                                                      const FindRequest& request,
                                                      std::string_view retrieve_ae_title) {
  nlohmann::json selected = nlohmann::json::object();
  for (const archive::Tag tag : request.requested) CopyKey(match, tag, selected);
  for (const archive::Tag tag : request.unique_keys) CopyKey(match, tag, selected);
  auto dataset = dicom::DatasetFromJson(selected);
  if (!dataset) return std::move(dataset).error();

  DcmDataset& response = **dataset;
  response.putAndInsertString(DCM_QueryRetrieveLevel, request.level_name.c_str());
  for (const archive::Tag tag : request.requested) {
    const DcmTagKey key = KeyOf(tag);
    if (tag == kRetrieveAeTitle) {
      response.putAndInsertString(key, std::string(retrieve_ae_title).c_str());
      continue;
    }
    if (response.tagExists(key)) continue;
    response.insertEmptyElement(DcmTag(key));
  }
  return std::move(*dataset);
}

}  // namespace tessera::dimse
