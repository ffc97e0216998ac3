#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera::dicom {

// What the File Meta Information of a DICOM Part 10 file says about the data set
// that follows it.
struct FileMetaFacts {
  std::size_t data_set_offset = 0;  // where the data set starts (may equal the size)
  std::string transfer_syntax_uid;  // empty when the File Meta lacks it
};

// Reads the File Meta Information (group 0002, always Explicit VR Little Endian)
// after the 128-byte preamble and "DICM". `head` holds the first bytes of the
// file, at least up to the end of the File Meta. Errors: kInvalidArgument when
// there is no "DICM" or the File Meta is malformed or does not end within `head`.
Result<FileMetaFacts> ReadFileMeta(std::span<const char> head);

// True for the VRs whose explicit-VR header has 2 reserved bytes and a 32-bit
// length (PS3.5 7.1.2).
bool HasLongLength(std::string_view vr);

}  // namespace tessera::dicom
