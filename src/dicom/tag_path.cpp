#include "dicom/tag_path.h"

#include <dcmtk/dcmdata/dcsequen.h>

#include "base/strings.h"
#include "dicom/attribute_dictionary.h"

namespace tessera::dicom {
namespace {

Error Malformed() { return Fail(ErrorCode::kInvalidArgument, "malformed bulk data tag path"); }

DcmTagKey ToTagKey(std::uint32_t tag) {
  return DcmTagKey(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFF));
}

}  // namespace

Result<DcmElement*> FindElementByTagPath(DcmItem& dataset, std::string_view tag_path) {
  const std::vector<std::string_view> steps = Split(tag_path, '/');
  // tag (/ item / tag)*: always an odd number of steps.
  if (steps.size() % 2 == 0) return Malformed();
  DcmItem* item = &dataset;
  for (std::size_t i = 0;; i += 2) {
    const auto tag = ParseHexTag(steps[i]);
    if (!tag) return Malformed();
    DcmElement* element = nullptr;
    if (item->findAndGetElement(ToTagKey(*tag), element, OFFalse).bad() || element == nullptr) {
      return Fail(ErrorCode::kNotFound, "no element " + TagToHex(*tag));
    }
    if (i + 1 == steps.size()) return element;
    const auto index = ParseUint(steps[i + 1]);
    if (!index) return Malformed();
    if (element->ident() != EVR_SQ) return Fail(ErrorCode::kNotFound, "not a sequence");
    auto* sequence = static_cast<DcmSequenceOfItems*>(element);
    if (*index >= sequence->card()) return Fail(ErrorCode::kNotFound, "no such sequence item");
    item = sequence->getItem(static_cast<unsigned long>(*index));
  }
}

}  // namespace tessera::dicom
