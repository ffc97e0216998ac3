#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera::dicom {

// True when TranscodePart10 can be expected to turn `from_ts` data into `to_ts`:
// the same syntax, or a source we can decode (native, deflated, big endian, JPEG,
// JPEG-LS, RLE, JPEG 2000) and a target we can encode (see dicom/codecs.h). Cheap;
// lets handlers answer 406 before doing work. The image itself can still be
// unsuitable (e.g. 32-bit pixels for JPEG-LS), which CheckTranscodable and
// TranscodePart10 report.
bool CanTranscode(std::string_view from_ts, std::string_view to_ts);

// Reads only the header of the Part 10 file at `file` and checks what can be told
// without converting: a codec each way (CanTranscode), and pixel data no deeper
// than the target encodes (8 bits for JPEG Baseline, 12 for JPEG Extended, 16 for
// JPEG lossless and JPEG-LS), and compressed pixel data that decodes to at most
// kMaxDecodedBytes (dicom_file.h). A pass does not promise that the encoder takes
// the image. Errors: kUnsupported; those of LoadPart10File.
Status CheckTranscodable(const std::filesystem::path& file, std::string_view target_uid);

// Returns the complete Part 10 file at `file` (preamble, File Meta with the new
// Transfer Syntax UID, data set) encoded in `target_transfer_syntax_uid`, using
// DCMTK's chooseRepresentation. The SOP Instance UID is kept, even for lossy
// targets. When the file already has that syntax its bytes are returned as is.
// Errors: kUnsupported for a syntax we cannot decode from or encode to, pixel
// data deeper than the target encodes (see CheckTranscodable: values are never
// rescaled to fit), or pixel data the encoder rejects; the errors of
// LoadPart10File (dicom/dicom_file.h).
// REQUIRES: a CodecRegistry is alive when the source or target is compressed.
// Thread-safe; memory use is about the size of the decoded image plus the result.
Result<std::string> TranscodePart10(const std::filesystem::path& file,
                                    std::string_view target_transfer_syntax_uid);

}  // namespace tessera::dicom
