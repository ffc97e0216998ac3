#include "dicom/jpeg2000_codec.h"

#include <string>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcstack.h>
#include <dcmtk/dcmdata/dcvrpobw.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "dicom/dicom_file.h"
#include "dicom/encapsulated_frames.h"
#include "dicom/jpeg2000.h"

namespace tessera::dicom {
namespace {

// OFCondition module number for Tessera's messages (DCMTK's own modules are < 1024).
constexpr unsigned short kConditionModule = 1024;

OFCondition Failed(const Error& error) {
  return OFCondition(kConditionModule, 1, OF_error, error.message.c_str());
}

struct Image {
  FrameGeometry geometry;
  std::uint32_t frames = 1;
  OFString photometric;

  std::size_t FrameBytes() const {
    return static_cast<std::size_t>(geometry.rows) * geometry.columns * geometry.samples *
           (geometry.bits_allocated / 8);
  }
};

Result<Image> ReadImage(DcmItem& dataset) {
  Uint16 rows = 0, columns = 0, samples = 1, bits_allocated = 0;
  if (dataset.findAndGetUint16(DCM_Rows, rows).bad() ||
      dataset.findAndGetUint16(DCM_Columns, columns).bad() ||
      dataset.findAndGetUint16(DCM_BitsAllocated, bits_allocated).bad()) {
    return Fail(ErrorCode::kCorrupt, "image attributes (Rows, Columns, Bits Allocated) missing");
  }
  dataset.findAndGetUint16(DCM_SamplesPerPixel, samples);
  Image image{
      {rows, columns, samples == 0 ? 1u : samples, bits_allocated}, FrameCount(dataset), {}};
  dataset.findAndGetOFString(DCM_PhotometricInterpretation, image.photometric);
  return image;
}

// OpenJPEG undoes the codestream's colour transform, so the component transforms
// come out as RGB; everything else keeps its interpretation.
OFString DecodedColorModel(const OFString& photometric) {
  if (photometric == "YBR_RCT" || photometric == "YBR_ICT") return "RGB";
  return photometric;
}

Status DecodeFrameInto(const EncapsulatedFrames& frames, const Image& image, std::uint32_t frame,
                       char* out) {
  auto bitstream = frames.ReadFrame(frame, nullptr);
  if (!bitstream) return std::move(bitstream).error();
  return DecodeJpeg2000(*bitstream, image.geometry, {out, image.FrameBytes()});
}

bool IsItem(const DcmObject* object) {
  return object != nullptr && (object->ident() == EVR_dataset || object->ident() == EVR_item);
}

}  // namespace

OFBool Jpeg2000Decoder::canChangeCoding(const E_TransferSyntax from,
                                        const E_TransferSyntax to) const {
  const bool jpeg2000 = from == EXS_JPEG2000LosslessOnly || from == EXS_JPEG2000;
  return jpeg2000 && DcmXfer(to).isNotEncapsulated();
}

OFCondition Jpeg2000Decoder::decode(const DcmRepresentationParameter*, DcmPixelSequence* sequence,
                                    DcmPolymorphOBOW& uncompressed, const DcmCodecParameter*,
                                    const DcmStack& objects, OFBool&) const {
  // The stack holds the Pixel Data element on top and the item containing it below.
  DcmStack stack(objects);
  stack.pop();
  DcmObject* parent = stack.pop();
  if (!IsItem(parent) || sequence == nullptr) return EC_InvalidTag;
  DcmItem& dataset = *static_cast<DcmItem*>(parent);

  auto image = ReadImage(dataset);
  if (!image) return Failed(image.error());
  auto frames = EncapsulatedFrames::Map(dataset, *sequence, image->frames);
  if (!frames) return Failed(frames.error());
  const std::uint64_t total = static_cast<std::uint64_t>(image->FrameBytes()) * image->frames;
  if (total >= 0xFFFFFFFE) return EC_ElemLengthExceeds32BitField;

  Uint16* words = nullptr;
  const auto word_count = static_cast<Uint32>((total + 1) / 2);
  if (OFCondition created = uncompressed.createUint16Array(word_count, words); created.bad()) {
    return created;
  }
  char* out = reinterpret_cast<char*>(words);
  for (std::uint32_t frame = 0; frame < image->frames; ++frame) {
    const Status decoded =
        DecodeFrameInto(*frames, *image, frame, out + frame * image->FrameBytes());
    if (!decoded) return Failed(decoded.error());
  }

  // The pixels are now colour-by-pixel and, after the component transform, RGB.
  const OFString color_model = DecodedColorModel(image->photometric);
  if (color_model != image->photometric) {
    dataset.putAndInsertString(DCM_PhotometricInterpretation, color_model.c_str());
  }
  if (image->geometry.samples > 1) dataset.putAndInsertUint16(DCM_PlanarConfiguration, 0);
  return EC_Normal;
}

OFCondition Jpeg2000Decoder::decodeFrame(const DcmRepresentationParameter*,
                                         DcmPixelSequence* sequence, const DcmCodecParameter*,
                                         DcmItem* dataset, Uint32 frame, Uint32& start_fragment,
                                         void* buffer, Uint32 buffer_size,
                                         OFString& decompressed_color_model) const {
  if (!IsItem(dataset) || sequence == nullptr) return EC_InvalidTag;
  auto image = ReadImage(*dataset);
  if (!image) return Failed(image.error());
  if (frame >= image->frames || buffer_size < image->FrameBytes()) return EC_IllegalCall;
  auto frames = EncapsulatedFrames::Map(*dataset, *sequence, image->frames);
  if (!frames) return Failed(frames.error());
  const Status decoded = DecodeFrameInto(*frames, *image, frame, static_cast<char*>(buffer));
  if (!decoded) return Failed(decoded.error());
  start_fragment = frame + 1 < image->frames ? frames->StartItem(frame + 1) : 0;
  decompressed_color_model = DecodedColorModel(image->photometric);
  return EC_Normal;
}

OFCondition Jpeg2000Decoder::encode(const Uint16*, const Uint32, const DcmRepresentationParameter*,
                                    DcmPixelSequence*&, const DcmCodecParameter*, DcmStack&,
                                    OFBool&) const {
  return EC_IllegalCall;  // decoder only
}

OFCondition Jpeg2000Decoder::encode(const E_TransferSyntax, const DcmRepresentationParameter*,
                                    DcmPixelSequence*, const DcmRepresentationParameter*,
                                    DcmPixelSequence*&, const DcmCodecParameter*, DcmStack&,
                                    OFBool&) const {
  return EC_IllegalCall;  // decoder only
}

OFCondition Jpeg2000Decoder::determineDecompressedColorModel(const DcmRepresentationParameter*,
                                                             DcmPixelSequence*,
                                                             const DcmCodecParameter*,
                                                             DcmItem* dataset,
                                                             OFString& color_model) const {
  if (!IsItem(dataset)) return EC_IllegalParameter;
  OFString photometric;
  if (OFCondition found = dataset->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
      found.bad()) {
    return found;
  }
  color_model = DecodedColorModel(photometric);
  return EC_Normal;
}

}  // namespace tessera::dicom
