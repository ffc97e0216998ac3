#include "dicom/rle_check.h"

#include <array>
#include <cstdint>
#include <string>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "dicom/codecs.h"

namespace tessera::dicom {
namespace {

constexpr Uint32 kHeaderBytes = 64;
constexpr std::uint32_t kMaxSegments = 15;

Error BadFragment(std::size_t number, std::string_view what) {
  return Fail(ErrorCode::kCorrupt, "RLE fragment " + std::to_string(number) + " " +
                                       std::string(what) + ": the stored image is damaged");
}

std::uint32_t LittleEndian32(const std::array<unsigned char, kHeaderBytes>& bytes, std::size_t i) {
  return static_cast<std::uint32_t>(bytes[4 * i]) |
         static_cast<std::uint32_t>(bytes[4 * i + 1]) << 8 |
         static_cast<std::uint32_t>(bytes[4 * i + 2]) << 16 |
         static_cast<std::uint32_t>(bytes[4 * i + 3]) << 24;
}

// `number` counts fragments from 1, after the Basic Offset Table.
Status CheckFragment(DcmPixelItem& fragment, std::size_t number) {
  const Uint32 length = fragment.getLength();
  if (length < kHeaderBytes) return BadFragment(number, "is shorter than its RLE header");
  std::array<unsigned char, kHeaderBytes> header{};
  if (fragment.getPartialValue(header.data(), 0, kHeaderBytes).bad()) {
    return BadFragment(number, "cannot be read");
  }
  const std::uint32_t segments = LittleEndian32(header, 0);
  if (segments < 1 || segments > kMaxSegments) {
    return BadFragment(number, "does not start with an RLE header");
  }
  // A segment runs from its offset to the next one's (the last to the fragment's
  // end), which is all the decoder reads when these hold.
  std::uint32_t previous = kHeaderBytes;
  for (std::uint32_t i = 1; i <= segments; ++i) {
    const std::uint32_t offset = LittleEndian32(header, i);
    if (offset > length) return BadFragment(number, "has a segment offset past its end");
    if (offset < previous) return BadFragment(number, "has segment offsets out of order");
    previous = offset;
  }
  return Ok();
}

}  // namespace

Status CheckRleHeaders(DcmDataset& dataset) {
  if (std::string_view(DcmXfer(dataset.getOriginalXfer()).getXferID()) !=
      transfer_syntax::kRleLossless) {
    return Ok();
  }
  DcmElement* element = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, element, OFFalse).bad() || element == nullptr ||
      element->ident() != EVR_PixelData) {
    return Ok();
  }
  auto& pixel_data = static_cast<DcmPixelData&>(*element);
  E_TransferSyntax representation = EXS_Unknown;
  const DcmRepresentationParameter* parameter = nullptr;
  pixel_data.getOriginalRepresentationKey(representation, parameter);
  DcmPixelSequence* sequence = nullptr;
  if (pixel_data.getEncapsulatedRepresentation(representation, parameter, sequence).bad() ||
      sequence == nullptr) {
    return Ok();
  }
  std::size_t number = 0;  // the Basic Offset Table is item 0
  for (DcmObject* item = sequence->nextInContainer(nullptr); item != nullptr;
       item = sequence->nextInContainer(item), ++number) {
    if (number == 0) continue;
    if (auto checked = CheckFragment(static_cast<DcmPixelItem&>(*item), number); !checked) {
      return checked;
    }
  }
  return Ok();
}

}  // namespace tessera::dicom
