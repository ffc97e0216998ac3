#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include "base/result.h"

namespace tessera::dicom {

// Where each frame of encapsulated Pixel Data lives among its fragments. Works on a
// data set read with values left on disk: only the offset tables and, as a last
// resort, the first bytes of each fragment are read. Not thread-safe (DCMTK objects).
class EncapsulatedFrames {
 public:
  // Maps the fragments of `pixel_data` (encapsulated) in `dataset` to `frame_count`
  // frames, trying in order: the Basic Offset Table; the Extended Offset Table
  // (7FE0,0001); one fragment per frame when the counts match; all fragments for a
  // single frame; fragments that begin with a JPEG, JPEG-LS or JPEG 2000 start
  // marker. kCorrupt when none of these explains the fragments.
  static Result<EncapsulatedFrames> Map(DcmItem& dataset, DcmPixelData& pixel_data,
                                        std::uint32_t frame_count);
  // The same for a pixel sequence at hand (as DCMTK codecs get it).
  static Result<EncapsulatedFrames> Map(DcmItem& dataset, DcmPixelSequence& sequence,
                                        std::uint32_t frame_count);

  // The stored bitstream of `frame` (0-based): its fragments concatenated.
  // REQUIRES: frame < frame_count.
  Result<std::string> ReadFrame(std::uint32_t frame, DcmFileCache* cache) const;

  // Index of the frame's first fragment in the pixel sequence, counting the offset
  // table as item 0 (what DcmPixelData::getUncompressedFrame calls startFragment).
  std::uint32_t StartItem(std::uint32_t frame) const { return first_fragment_[frame] + 1; }

 private:
  EncapsulatedFrames(std::vector<DcmPixelItem*> fragments, std::vector<std::size_t> first_fragment)
      : fragments_(std::move(fragments)), first_fragment_(std::move(first_fragment)) {}

  std::vector<DcmPixelItem*> fragments_;     // borrowed from the data set, offset table excluded
  std::vector<std::size_t> first_fragment_;  // per frame, plus the fragment count at the end
};

}  // namespace tessera::dicom
