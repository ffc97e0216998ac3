#pragma once

#include <cstdint>
#include <filesystem>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "base/result.h"

namespace tessera::dicom {

// DCMTK parses nested sequences recursively and builds an object per element
// and item: a data set nested thousands of levels deep overflows the stack, and
// one of millions of empty items takes gigabytes. These bound what a data set
// may hold before DCMTK sees it.
constexpr std::size_t kMaxNesting = 256;          // open sequences and items at once
constexpr std::uint64_t kMaxObjects = 2'000'000;  // elements and items in all

// Walks the element headers of the data set that starts `offset` bytes into
// `file`, encoded in `syntax` (inflated first when deflated, to
// kMaxInflatedBytes), skipping values, and checks the bounds above. Pixel Data
// fragments are skipped whole; what a UN (or unknown) VR of undefined length
// holds is walked as Implicit VR, as DCMTK reads it. A value claiming more
// bytes than are left is refused ("truncated DICOM file"): DCMTK would allocate
// them before finding out. Any other malformed encoding passes: the parse that
// follows reports it. Errors: kInvalidArgument naming the bound exceeded
// (InflatesTooFar past kMaxInflatedBytes); kIo when the file cannot be read.
Status CheckStructure(const std::filesystem::path& file, std::uint64_t offset,
                      E_TransferSyntax syntax);
// The same for a data set read from `fd` (a file or a memfd) from `offset` on.
Status CheckStructure(int fd, std::uint64_t offset, E_TransferSyntax syntax);

}  // namespace tessera::dicom
