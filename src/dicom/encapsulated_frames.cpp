#include "dicom/encapsulated_frames.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixseq.h>

namespace tessera::dicom {
namespace {

// Each fragment is an item: 4-byte tag, 4-byte length, then the value.
constexpr std::uint64_t kItemHeaderLength = 8;

std::uint64_t ReadLittleEndian(const unsigned char* p, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t i = width; i-- > 0;) value = (value << 8) | p[i];
  return value;
}

// The value of `element` as `width`-byte little-endian integers.
std::optional<std::vector<std::uint64_t>> ReadOffsets(DcmElement& element, std::size_t width) {
  const Uint32 length = element.getLength();
  if (length % width != 0) return std::nullopt;
  std::vector<unsigned char> bytes(length);
  if (length > 0 &&
      element.getPartialValue(bytes.data(), 0, length, nullptr, EBO_LittleEndian).bad()) {
    return std::nullopt;
  }
  std::vector<std::uint64_t> offsets(length / width);
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    offsets[i] = ReadLittleEndian(bytes.data() + i * width, width);
  }
  return offsets;
}

// Turns byte offsets (relative to the first fragment's item tag) into fragment
// indices; nullopt unless every offset starts a fragment, in increasing order.
std::optional<std::vector<std::size_t>> FragmentsAtOffsets(
    const std::vector<std::uint64_t>& offsets, const std::vector<DcmPixelItem*>& fragments) {
  std::vector<std::uint64_t> starts(fragments.size());
  std::uint64_t position = 0;
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    starts[i] = position;
    position += kItemHeaderLength + fragments[i]->getLength();
  }
  std::vector<std::size_t> first;
  for (std::uint64_t offset : offsets) {
    const auto it = std::lower_bound(starts.begin(), starts.end(), offset);
    if (it == starts.end() || *it != offset) return std::nullopt;
    const auto index = static_cast<std::size_t>(it - starts.begin());
    if (!first.empty() && index <= first.back()) return std::nullopt;
    first.push_back(index);
  }
  if (first.empty() || first.front() != 0) return std::nullopt;
  return first;
}

// JPEG and JPEG-LS SOI (FFD8), JPEG 2000 codestream SOC+SIZ (FF4FFF51), JP2 signature box.
bool StartsFrame(const std::array<unsigned char, 8>& head, Uint32 length) {
  if (length >= 2 && head[0] == 0xFF && head[1] == 0xD8) return true;
  if (length >= 4 && head[0] == 0xFF && head[1] == 0x4F && head[2] == 0xFF && head[3] == 0x51) {
    return true;
  }
  static constexpr std::array<unsigned char, 8> kJp2 = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' '};
  return length >= 8 && head == kJp2;
}

std::optional<std::vector<std::size_t>> FragmentsWithStartMarkers(
    const std::vector<DcmPixelItem*>& fragments) {
  std::vector<std::size_t> first;
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    std::array<unsigned char, 8> head{};
    const Uint32 length = std::min<Uint32>(fragments[i]->getLength(), head.size());
    if (length > 0 && fragments[i]->getPartialValue(head.data(), 0, length).bad()) {
      return std::nullopt;
    }
    if (StartsFrame(head, length)) first.push_back(i);
  }
  if (first.empty() || first.front() != 0) return std::nullopt;
  return first;
}

std::optional<std::vector<std::size_t>> FromBasicOffsetTable(
    DcmPixelItem& table, const std::vector<DcmPixelItem*>& fragments, std::uint32_t frame_count) {
  if (table.getLength() == 0) return std::nullopt;
  auto offsets = ReadOffsets(table, 4);
  if (!offsets || offsets->size() != frame_count) return std::nullopt;
  return FragmentsAtOffsets(*offsets, fragments);
}

std::optional<std::vector<std::size_t>> FromExtendedOffsetTable(
    DcmItem& dataset, const std::vector<DcmPixelItem*>& fragments, std::uint32_t frame_count) {
  DcmElement* table = nullptr;
  if (dataset.findAndGetElement(DCM_ExtendedOffsetTable, table, OFFalse).bad()) {
    return std::nullopt;
  }
  auto offsets = ReadOffsets(*table, 8);
  if (!offsets || offsets->size() != frame_count) return std::nullopt;
  return FragmentsAtOffsets(*offsets, fragments);
}

}  // namespace

Result<EncapsulatedFrames> EncapsulatedFrames::Map(DcmItem& dataset, DcmPixelData& pixel_data,
                                                   std::uint32_t frame_count) {
  DcmPixelSequence* sequence = nullptr;
  E_TransferSyntax representation = EXS_Unknown;
  const DcmRepresentationParameter* parameter = nullptr;
  pixel_data.getOriginalRepresentationKey(representation, parameter);
  if (pixel_data.getEncapsulatedRepresentation(representation, parameter, sequence).bad() ||
      sequence == nullptr) {
    return Fail(ErrorCode::kCorrupt, "no encapsulated pixel data");
  }
  return Map(dataset, *sequence, frame_count);
}

Result<EncapsulatedFrames> EncapsulatedFrames::Map(DcmItem& dataset, DcmPixelSequence& sequence,
                                                   std::uint32_t frame_count) {
  if (sequence.card() == 0) return Fail(ErrorCode::kCorrupt, "no encapsulated pixel data");
  std::vector<DcmPixelItem*> items;
  for (DcmObject* item = sequence.nextInContainer(nullptr); item != nullptr;
       item = sequence.nextInContainer(item)) {
    items.push_back(static_cast<DcmPixelItem*>(item));
  }
  DcmPixelItem* offset_table = items.front();
  std::vector<DcmPixelItem*> fragments(items.begin() + 1, items.end());
  if (fragments.size() < frame_count || frame_count == 0) {
    return Fail(ErrorCode::kCorrupt, "fewer pixel data fragments than frames");
  }

  std::optional<std::vector<std::size_t>> first =
      FromBasicOffsetTable(*offset_table, fragments, frame_count);
  if (!first) first = FromExtendedOffsetTable(dataset, fragments, frame_count);
  if (!first && fragments.size() == frame_count) {
    first.emplace(frame_count);
    for (std::size_t i = 0; i < frame_count; ++i) (*first)[i] = i;
  }
  if (!first && frame_count == 1) first.emplace(1, 0);
  if (!first) {
    first = FragmentsWithStartMarkers(fragments);
    if (first && first->size() != frame_count) first.reset();
  }
  if (!first) return Fail(ErrorCode::kCorrupt, "cannot locate frames among pixel data fragments");
  first->push_back(fragments.size());
  return EncapsulatedFrames(std::move(fragments), std::move(*first));
}

Result<std::string> EncapsulatedFrames::ReadFrame(std::uint32_t frame, DcmFileCache* cache) const {
  std::size_t total = 0;
  for (std::size_t i = first_fragment_[frame]; i < first_fragment_[frame + 1]; ++i) {
    total += fragments_[i]->getLength();
  }
  std::string bytes(total, '\0');
  std::size_t position = 0;
  for (std::size_t i = first_fragment_[frame]; i < first_fragment_[frame + 1]; ++i) {
    const Uint32 length = fragments_[i]->getLength();
    if (length == 0) continue;
    if (fragments_[i]->getPartialValue(bytes.data() + position, 0, length, cache).bad()) {
      return Fail(ErrorCode::kCorrupt, "cannot read pixel data fragment");
    }
    position += length;
  }
  return bytes;
}

}  // namespace tessera::dicom
