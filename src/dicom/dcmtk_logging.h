#pragma once

namespace tessera::dicom {

// DCMTK logs its own warnings ("W: DcmItem: ...") to stderr through oflog. A
// server reports problems as Results instead, so this raises DCMTK's threshold to
// errors (or keeps warnings with `verbose`). Process-wide; call once from main.
void ConfigureDcmtkLogging(bool verbose);

}  // namespace tessera::dicom
