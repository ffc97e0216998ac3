#include "dicom/unknown_vr.h"

#include <algorithm>
#include <string>

#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcvr.h>

namespace tessera::dicom {
namespace {

// Larger UN values are left alone: standard text and numbers are never this long.
constexpr Uint32 kMaxConvertedLength = 1 << 20;

bool IsTextVr(DcmEVR vr) {
  switch (vr) {
    case EVR_AE:
    case EVR_AS:
    case EVR_CS:
    case EVR_DA:
    case EVR_DS:
    case EVR_DT:
    case EVR_IS:
    case EVR_LO:
    case EVR_LT:
    case EVR_PN:
    case EVR_SH:
    case EVR_ST:
    case EVR_TM:
    case EVR_UC:
    case EVR_UI:
    case EVR_UR:
    case EVR_UT:
      return true;
    default:
      return false;
  }
}

// Numeric VRs whose UN bytes can be reinterpreted on a little-endian host.
std::size_t NumericWidth(DcmEVR vr) {
  switch (vr) {
    case EVR_SS:
    case EVR_US:
      return 2;
    case EVR_SL:
    case EVR_UL:
    case EVR_FL:
    case EVR_AT:
      return 4;
    case EVR_FD:
      return 8;
    default:
      return 0;
  }
}

}  // namespace

std::unique_ptr<DcmElement> WithDictionaryVr(DcmElement& unknown, bool little_endian) {
  const DcmTag& tag = unknown.getTag();
  const DcmTag known(tag.getXTag(), tag.getPrivateCreator());
  const DcmEVR vr = DcmVR(known.getEVR()).getValidEVR();
  const std::size_t width = NumericWidth(vr);
  if (!IsTextVr(vr) && width == 0) return nullptr;
  if (width != 0 && !little_endian) return nullptr;
  const Uint32 length = unknown.getLength();
  if (length > kMaxConvertedLength || (width != 0 && length % width != 0)) return nullptr;
  std::string bytes(length, '\0');
  if (length > 0 && unknown.getPartialValue(bytes.data(), 0, length).bad()) return nullptr;

  DcmTag typed(tag.getXTag(), DcmVR(vr));
  typed.setPrivateCreator(tag.getPrivateCreator());
  DcmElement* created = nullptr;
  if (DcmItem::newDicomElementWithVR(created, typed).bad() || created == nullptr) return nullptr;
  std::unique_ptr<DcmElement> element(created);
  if (length == 0) return element;
  const unsigned long count = length / std::max<std::size_t>(width, 1);
  const void* data = bytes.data();
  OFCondition put = EC_Normal;
  switch (vr) {
    case EVR_US:
      put = element->putUint16Array(static_cast<const Uint16*>(data), count);
      break;
    case EVR_SS:
      put = element->putSint16Array(static_cast<const Sint16*>(data), count);
      break;
    case EVR_UL:
      put = element->putUint32Array(static_cast<const Uint32*>(data), count);
      break;
    case EVR_SL:
      put = element->putSint32Array(static_cast<const Sint32*>(data), count);
      break;
    case EVR_FL:
      put = element->putFloat32Array(static_cast<const Float32*>(data), count);
      break;
    case EVR_FD:
      put = element->putFloat64Array(static_cast<const Float64*>(data), count);
      break;
    case EVR_AT:  // count is the number of tags, two words each
      put = element->putUint16Array(static_cast<const Uint16*>(data), count);
      break;
    default:
      put = element->putString(bytes.data(), length);
  }
  if (put.bad()) return nullptr;
  return element;
}

}  // namespace tessera::dicom
