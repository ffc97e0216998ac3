#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include "base/result.h"

namespace tessera::dicom {

// DCMTK's RLE decoder (3.6.7) trusts the segment offsets in each fragment's RLE
// header (PS3.5 G.5): offsets past the fragment make it read beyond it, and a
// crafted upload crashed the server when its frames were decoded. Call this
// before DCMTK decodes `dataset`'s pixel data. For RLE Lossless it checks what
// the decoder relies on: each fragment after the Basic Offset Table holds one
// frame (PS3.5 A.4.2) and starts with a header of 1 to 15 segments whose offsets
// lie after the header, in order, within the fragment. Ok for other transfer
// syntaxes and for data sets without encapsulated pixel data.
// Errors: kCorrupt naming the fragment.
Status CheckRleHeaders(DcmDataset& dataset);

}  // namespace tessera::dicom
