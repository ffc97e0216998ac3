#pragma once

#include <cstddef>
#include <span>

#include "base/result.h"

namespace tessera::dimse {

// Where the data set of a DICOM Part 10 file starts: after the 128-byte
// preamble, "DICM" and the File Meta Information elements (group 0002, always
// Explicit VR Little Endian). `head` holds the first bytes of the file, at least
// up to the end of the File Meta. The data set may be empty (offset == size).
// Errors: kInvalidArgument when there is no "DICM" or the File Meta is malformed
// or does not end within `head`.
Result<std::size_t> DataSetOffset(std::span<const char> head);

}  // namespace tessera::dimse
