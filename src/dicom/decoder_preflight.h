#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include "base/result.h"

namespace tessera::dicom {

// Checks what DCMTK's decoders (3.6.7) take on trust in compressed pixel data,
// where crafted uploads crashed or hung the server. Call it before DCMTK decodes
// `dataset`'s pixel data:
// - RLE Lossless: an offset in a fragment's RLE header (PS3.5 G.5) past the
//   fragment made the decoder read beyond it. Every fragment after the Basic
//   Offset Table must hold one frame (PS3.5 A.4.2) and start with a header of 1
//   to 15 segments whose offsets lie after the header, in order, within it.
// - JPEG (processes 1 to 14, DCMTK's dcmjpeg): the scan for the bit depth that
//   precedes decoding never moves past a TEM marker (FF01) met before the frame
//   header, so such a frame spun a thread forever. Fragments are walked as that
//   scan walks them and refused when it would meet one. The decoder also
//   allocates for the image the frame header declares (for a progressive image,
//   all of it at once), so a frame header larger than Rows or Columns, or with
//   more components than Samples per Pixel, is refused: a 16 x 16 image
//   claiming 60000 x 60000 took 14 GB and 40 s.
// Ok for other transfer syntaxes and without encapsulated pixel data.
// Errors: kCorrupt naming the fragment ("the stored image is damaged").
Status CheckBeforeDecoding(DcmDataset& dataset);

}  // namespace tessera::dicom
