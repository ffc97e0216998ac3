#include "dicom/frames.h"

#include <algorithm>
#include <optional>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "dicom/codecs.h"
#include "dicom/decoder_preflight.h"
#include "dicom/dicom_file.h"
#include "dicom/encapsulated_frames.h"
#include "dicom/tag_path.h"

namespace tessera::dicom {
namespace {

struct PixelLayout {
  std::uint64_t rows = 0;
  std::uint64_t columns = 0;
  std::uint64_t samples = 1;
  std::uint64_t bits_allocated = 0;
  std::uint32_t frames = 1;

  std::uint64_t FrameBits() const { return rows * columns * samples * bits_allocated; }
};

Error NoSuchFrame(std::uint32_t frame) {
  return Fail(ErrorCode::kNotFound, "frame " + std::to_string(frame) + " does not exist");
}

Result<PixelLayout> ReadLayout(DcmItem& dataset) {
  Uint16 rows = 0, columns = 0, samples = 1, bits_allocated = 0;
  if (dataset.findAndGetUint16(DCM_Rows, rows).bad() ||
      dataset.findAndGetUint16(DCM_Columns, columns).bad() ||
      dataset.findAndGetUint16(DCM_BitsAllocated, bits_allocated).bad() || rows == 0 ||
      columns == 0 || bits_allocated == 0) {
    return Fail(ErrorCode::kCorrupt, "image attributes (Rows, Columns, Bits Allocated) missing");
  }
  if (dataset.findAndGetUint16(DCM_SamplesPerPixel, samples).bad() || samples == 0) samples = 1;
  PixelLayout layout{rows, columns, samples, bits_allocated, FrameCount(dataset)};
  // Native 4:2:2 stores two luminance samples per Cb/Cr pair: 2 samples per pixel
  // on average (PS3.3 C.7.6.3.1.2), though Samples per Pixel says 3.
  OFString photometric;
  dataset.findAndGetOFString(DCM_PhotometricInterpretation, photometric);
  if (photometric == "YBR_FULL_422" || photometric == "YBR_PARTIAL_422") layout.samples = 2;
  return layout;
}

// The element holding the pixels: Pixel Data, else Float or Double Float Pixel Data.
DcmElement* FindPixels(DcmItem& dataset) {
  for (const DcmTagKey& tag : {DCM_PixelData, DCM_FloatPixelData, DCM_DoubleFloatPixelData}) {
    DcmElement* element = nullptr;
    if (dataset.findAndGetElement(tag, element, OFFalse).good() && element != nullptr) {
      return element;
    }
  }
  return nullptr;
}

std::uint64_t ValueWidth(const DcmElement& element) {
  switch (DcmVR(const_cast<DcmElement&>(element).getVR()).getValidEVR()) {
    case EVR_OW:
      return 2;
    case EVR_OF:
    case EVR_OL:
      return 4;
    case EVR_OD:
    case EVR_OV:
      return 8;
    default:
      return 1;
  }
}

// Bytes [offset, offset + count) of the value in little-endian order. DCMTK swaps
// whole words, so the read is widened to word boundaries and trimmed after.
Result<std::string> ReadRange(DcmElement& element, std::uint64_t offset, std::uint64_t count,
                              DcmFileCache* cache) {
  const std::uint64_t length = element.getLength();
  if (offset + count > length) return Fail(ErrorCode::kCorrupt, "pixel data is too short");
  const std::uint64_t width = ValueWidth(element);
  const std::uint64_t start = offset / width * width;
  const std::uint64_t end = std::min(length, (offset + count + width - 1) / width * width);
  std::string bytes(end - start, '\0');
  if (!bytes.empty() &&
      element
          .getPartialValue(bytes.data(), static_cast<Uint32>(start),
                           static_cast<Uint32>(end - start), cache, EBO_LittleEndian)
          .bad()) {
    return Fail(ErrorCode::kCorrupt, "cannot read pixel data");
  }
  if (start == offset && bytes.size() == count) return bytes;
  return bytes.substr(offset - start, count);
}

// 1-bit frames need not start on a byte boundary; pixels are packed from the least
// significant bit, so shift them down to start at bit 0.
Result<std::string> ReadBitFrame(DcmElement& element, std::uint64_t first_bit,
                                 std::uint64_t bit_count, DcmFileCache* cache) {
  const std::uint64_t first_byte = first_bit / 8;
  const std::uint64_t end_byte = (first_bit + bit_count + 7) / 8;
  auto source = ReadRange(element, first_byte, end_byte - first_byte, cache);
  if (!source) return source;
  const unsigned shift = first_bit % 8;
  std::string frame((bit_count + 7) / 8, '\0');
  for (std::size_t i = 0; i < frame.size(); ++i) {
    unsigned value = static_cast<unsigned char>((*source)[i]) >> shift;
    if (shift != 0 && i + 1 < source->size()) {
      value |= static_cast<unsigned char>((*source)[i + 1]) << (8 - shift);
    }
    frame[i] = static_cast<char>(value & 0xFF);
  }
  if (const unsigned tail = bit_count % 8; tail != 0) {
    frame.back() = static_cast<char>(static_cast<unsigned char>(frame.back()) & ((1u << tail) - 1));
  }
  return frame;
}

Result<std::string> ReadNativeFrame(DcmElement& pixels, const PixelLayout& layout,
                                    std::uint32_t index, DcmFileCache* cache) {
  const std::uint64_t frame_bits = layout.FrameBits();
  if (frame_bits % 8 != 0) return ReadBitFrame(pixels, index * frame_bits, frame_bits, cache);
  const std::uint64_t frame_bytes = frame_bits / 8;
  return ReadRange(pixels, index * frame_bytes, frame_bytes, cache);
}

Result<std::string> DecodeFrame(DcmDataset& dataset, DcmPixelData& pixels,
                                const EncapsulatedFrames& frames, std::uint32_t index,
                                DcmFileCache* cache) {
  Uint32 frame_size = 0;
  if (pixels.getUncompressedFrameSize(&dataset, frame_size).bad() || frame_size == 0) {
    return Fail(ErrorCode::kCorrupt, "cannot compute the decoded frame size");
  }
  if (auto fits = CheckDecodedSize(dataset, 1, kMaxDecodedFrameBytes); !fits) {
    return std::move(fits).error();
  }
  // DCMTK decodes into an even-sized buffer.
  std::string bytes(frame_size + (frame_size & 1), '\0');
  Uint32 start_item = frames.StartItem(index);
  OFString color_model;
  const OFCondition decoded =
      pixels.getUncompressedFrame(&dataset, index, start_item, bytes.data(),
                                  static_cast<Uint32>(bytes.size()), color_model, cache);
  if (decoded.bad()) {
    return Fail(ErrorCode::kCorrupt, "cannot decode frame " + std::to_string(index + 1) +
                                         " of the stored image (" + decoded.text() +
                                         "): it may be damaged");
  }
  bytes.resize(frame_size);
  return bytes;
}

}  // namespace

Result<std::vector<Frame>> ReadFrames(const std::filesystem::path& file,
                                      std::span<const std::uint32_t> frame_numbers,
                                      FrameEncoding encoding) {
  auto loaded = LoadPart10File(file);
  if (!loaded) return std::move(loaded).error();
  DcmDataset& dataset = *(*loaded)->getDataset();
  // DCMTK reads a data set in a syntax it does not know (3.6.7: High-Throughput
  // JPEG 2000) as native: its "frames" would be compressed bytes sold as pixels.
  OFString declared_uid;
  (*loaded)->getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, declared_uid);
  const TransferSyntaxInfo* declared = FindTransferSyntax(declared_uid.c_str());
  if (declared != nullptr && declared->encapsulated &&
      !DcmXfer(dataset.getOriginalXfer()).isEncapsulated()) {
    return Fail(ErrorCode::kNotAcceptable, "this build cannot read the frames of " +
                                               std::string(declared->name) +
                                               "; retrieve the whole instance instead");
  }
  DcmElement* pixels = FindPixels(dataset);
  if (pixels == nullptr || !HasPixelValue(*pixels)) {
    return NoSuchFrame(frame_numbers.empty() ? 1 : frame_numbers.front());
  }
  auto layout = ReadLayout(dataset);
  if (!layout) return std::move(layout).error();
  for (std::uint32_t number : frame_numbers) {
    if (number == 0 || number > layout->frames) return NoSuchFrame(number);
  }

  DcmFileCache cache;
  std::vector<Frame> frames;
  frames.reserve(frame_numbers.size());
  const DcmXfer stored(dataset.getOriginalXfer());
  if (!stored.isEncapsulated()) {
    for (std::uint32_t number : frame_numbers) {
      auto bytes = ReadNativeFrame(*pixels, *layout, number - 1, &cache);
      if (!bytes) return std::move(bytes).error();
      frames.push_back(
          Frame{std::move(*bytes), std::string(transfer_syntax::kExplicitVrLittleEndian)});
    }
    return frames;
  }

  if (pixels->ident() != EVR_PixelData) {
    return Fail(ErrorCode::kCorrupt, "no encapsulated pixel data");
  }
  auto& pixel_data = static_cast<DcmPixelData&>(*pixels);
  auto mapped = EncapsulatedFrames::Map(dataset, pixel_data, layout->frames);
  if (!mapped) return std::move(mapped).error();
  const std::string stored_uid = stored.getXferID();
  if (encoding == FrameEncoding::kUncompressed) {
    const TransferSyntaxInfo* info = FindTransferSyntax(stored_uid);
    if (info == nullptr || !info->can_decode) {
      return Fail(ErrorCode::kUnsupported, "cannot decode transfer syntax " + stored_uid);
    }
    if (auto safe = CheckBeforeDecoding(dataset); !safe) return std::move(safe).error();
  }
  for (std::uint32_t number : frame_numbers) {
    const bool as_stored = encoding == FrameEncoding::kAsStored;
    auto bytes = as_stored ? mapped->ReadFrame(number - 1, &cache)
                           : DecodeFrame(dataset, pixel_data, *mapped, number - 1, &cache);
    if (!bytes) return std::move(bytes).error();
    frames.push_back(
        Frame{std::move(*bytes),
              as_stored ? stored_uid : std::string(transfer_syntax::kExplicitVrLittleEndian)});
  }
  return frames;
}

Result<std::string> ReadBulkData(const std::filesystem::path& file, std::string_view tag_path) {
  auto loaded = LoadPart10File(file);
  if (!loaded) return std::move(loaded).error();
  DcmDataset& dataset = *(*loaded)->getDataset();
  auto element = FindElementByTagPath(dataset, tag_path);
  if (!element) return std::move(element).error();
  DcmElement& value = **element;
  if (value.ident() == EVR_SQ) {
    return Fail(ErrorCode::kInvalidArgument, "a sequence is not bulk data");
  }
  if (IsEncapsulatedPixelData(value)) {
    return Fail(ErrorCode::kUnsupported,
                "encapsulated Pixel Data is served per frame, not as one value");
  }
  return ReadRange(value, 0, value.getLength(), nullptr);
}

}  // namespace tessera::dicom
