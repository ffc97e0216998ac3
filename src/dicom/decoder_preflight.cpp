#include "dicom/decoder_preflight.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>

namespace tessera::dicom {
namespace {

constexpr Uint32 kRleHeaderBytes = 64;
constexpr std::uint32_t kMaxRleSegments = 15;
// Frame headers come first in real JPEG streams: the scan rarely needs more.
constexpr Uint32 kJpegHeadBytes = 64 * 1024;

enum class Codec { kNone, kRle, kJpeg };

Codec CodecOf(E_TransferSyntax syntax) {
  switch (syntax) {
    case EXS_RLELossless:
      return Codec::kRle;
    case EXS_JPEGProcess1:
    case EXS_JPEGProcess2_4:
    case EXS_JPEGProcess3_5:
    case EXS_JPEGProcess6_8:
    case EXS_JPEGProcess7_9:
    case EXS_JPEGProcess10_12:
    case EXS_JPEGProcess11_13:
    case EXS_JPEGProcess14:
    case EXS_JPEGProcess15:
    case EXS_JPEGProcess16_18:
    case EXS_JPEGProcess17_19:
    case EXS_JPEGProcess20_22:
    case EXS_JPEGProcess21_23:
    case EXS_JPEGProcess24_26:
    case EXS_JPEGProcess25_27:
    case EXS_JPEGProcess28:
    case EXS_JPEGProcess29:
    case EXS_JPEGProcess14SV1:
      return Codec::kJpeg;
    default:
      return Codec::kNone;
  }
}

Error Damaged(std::size_t number, std::string_view what) {
  return Fail(ErrorCode::kCorrupt, "fragment " + std::to_string(number) + " " + std::string(what) +
                                       ": the stored image is damaged");
}

std::uint32_t LittleEndian32(std::span<const unsigned char> bytes, std::size_t i) {
  return static_cast<std::uint32_t>(bytes[4 * i]) |
         static_cast<std::uint32_t>(bytes[4 * i + 1]) << 8 |
         static_cast<std::uint32_t>(bytes[4 * i + 2]) << 16 |
         static_cast<std::uint32_t>(bytes[4 * i + 3]) << 24;
}

// `number` counts fragments from 1, after the Basic Offset Table.
Status CheckRleFragment(DcmPixelItem& fragment, std::size_t number) {
  const Uint32 length = fragment.getLength();
  if (length < kRleHeaderBytes) return Damaged(number, "is shorter than an RLE header");
  std::array<unsigned char, kRleHeaderBytes> header{};
  if (fragment.getPartialValue(header.data(), 0, kRleHeaderBytes).bad()) {
    return Damaged(number, "cannot be read");
  }
  const std::uint32_t segments = LittleEndian32(header, 0);
  if (segments < 1 || segments > kMaxRleSegments) {
    return Damaged(number, "does not start with an RLE header");
  }
  // A segment runs from its offset to the next one's (the last to the fragment's
  // end), which is all the decoder reads when these hold.
  std::uint32_t previous = kRleHeaderBytes;
  for (std::uint32_t i = 1; i <= segments; ++i) {
    const std::uint32_t offset = LittleEndian32(header, i);
    if (offset > length) return Damaged(number, "has an RLE segment offset past its end");
    if (offset < previous) return Damaged(number, "has RLE segment offsets out of order");
    previous = offset;
  }
  return Ok();
}

// Where DCMTK's scan for the bit depth ends.
enum class Walk { kStops, kHangs, kFrameHeader, kNeedsMore };
struct Walked {
  Walk walk = Walk::kStops;
  std::size_t frame_header = 0;  // its offset, for kFrameHeader
};

// Walks `bytes`, the first bytes of a fragment of `length`, as DCMTK's
// DJCodecDecoder::scanJpegDataForBitDepth does, marker by marker.
Walked WalkAsDcmtkScans(std::span<const unsigned char> bytes, Uint32 length) {
  std::size_t offset = 0;
  while (offset + 4 < length) {
    if (offset + 4 >= bytes.size()) return {Walk::kNeedsMore};
    const unsigned first = bytes[offset];
    const unsigned second = bytes[offset + 1];
    const auto segment = static_cast<std::size_t>(bytes[offset + 2] << 8 | bytes[offset + 3]);
    if (first != 0xFF) return {Walk::kStops};
    if (second == 0x01) return {Walk::kHangs};  // TEM: the scan does not advance
    const bool frame_header =
        second >= 0xC0 && second <= 0xCF && second != 0xC4 && second != 0xC8 && second != 0xCC;
    if (frame_header) return {Walk::kFrameHeader, offset};
    if ((second >= 0xD0 && second <= 0xD9) || (second > 0x02 && second <= 0xBF)) {
      offset += 2;  // RSTn, SOI, EOI, reserved
    } else if (second == 0xFF) {
      offset += 1;  // fill byte
    } else if (second == 0xC4 || second == 0xC8 || second == 0xCC || second >= 0xDA) {
      offset += segment + 2;  // a marker segment with its length
    } else {
      return {Walk::kStops};  // the scan gives up on anything else
    }
  }
  return {Walk::kStops};
}

// The image size the data set declares, which the decoded frame must fit.
struct DeclaredSize {
  std::uint32_t rows = 0;
  std::uint32_t columns = 0;
  std::uint32_t samples = 1;
};

// A frame header (ITU-T T.81 B.2.2): marker, Lf, P, Y, X, Nf.
constexpr std::size_t kFrameHeaderBytes = 10;

// IJG's decoder allocates for the image the frame header declares (all of it, for
// progressive and multi-scan images), whatever Rows, Columns and Samples per
// Pixel say.
Status CheckJpegFrameHeader(std::span<const unsigned char> header, const DeclaredSize& declared,
                            std::size_t number) {
  const std::uint32_t rows = header[5] << 8 | header[6];
  const std::uint32_t columns = header[7] << 8 | header[8];
  const std::uint32_t components = header[9];
  if (rows > declared.rows || columns > declared.columns) {
    return Damaged(number, "has a JPEG frame larger than its Rows and Columns");
  }
  if (components > declared.samples) {
    return Damaged(number, "has a JPEG frame with more components than Samples per Pixel");
  }
  return Ok();
}

Status CheckJpegFragment(DcmPixelItem& fragment, std::size_t number, const DeclaredSize& declared) {
  const Uint32 length = fragment.getLength();
  std::string bytes(std::min(length, kJpegHeadBytes), '\0');
  for (;;) {
    if (!bytes.empty() &&
        fragment.getPartialValue(bytes.data(), 0, static_cast<Uint32>(bytes.size())).bad()) {
      return Damaged(number, "cannot be read");
    }
    const auto data = std::span(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    const Walked walked = WalkAsDcmtkScans(data, length);
    if (walked.walk == Walk::kStops) return Ok();
    if (walked.walk == Walk::kHangs) {
      return Damaged(number, "has a JPEG TEM marker before its frame");
    }
    if (walked.walk == Walk::kFrameHeader) {
      if (walked.frame_header + kFrameHeaderBytes <= data.size()) {
        return CheckJpegFrameHeader(data.subspan(walked.frame_header), declared, number);
      }
      if (bytes.size() == length) return Ok();  // cut short: the decoder refuses it
    }
    bytes.resize(length);  // the whole fragment, once
  }
}

}  // namespace

Status CheckBeforeDecoding(DcmDataset& dataset) {
  const Codec codec = CodecOf(DcmXfer(dataset.getOriginalXfer()).getXfer());
  if (codec == Codec::kNone) return Ok();
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
  DeclaredSize declared;
  Uint16 value = 0;
  if (dataset.findAndGetUint16(DCM_Rows, value).good()) declared.rows = value;
  if (dataset.findAndGetUint16(DCM_Columns, value).good()) declared.columns = value;
  if (dataset.findAndGetUint16(DCM_SamplesPerPixel, value).good() && value > 1) {
    declared.samples = value;
  }
  std::size_t number = 0;  // the Basic Offset Table is item 0
  for (DcmObject* item = sequence->nextInContainer(nullptr); item != nullptr;
       item = sequence->nextInContainer(item), ++number) {
    if (number == 0) continue;
    auto& fragment = static_cast<DcmPixelItem&>(*item);
    const Status checked = codec == Codec::kRle ? CheckRleFragment(fragment, number)
                                                : CheckJpegFragment(fragment, number, declared);
    if (!checked) return checked;
  }
  return Ok();
}

}  // namespace tessera::dicom
