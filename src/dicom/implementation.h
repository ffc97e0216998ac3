#pragma once

namespace tessera::dicom {

// Tessera's identity in DICOM (PS3.7 D.3.3.2): what its associations and the
// File Meta of the files it writes from the network carry, so that a peer's
// log names Tessera rather than the toolkit underneath.

// A UUID-derived UID (PS3.5 B.2), made once for Tessera.
inline constexpr char kImplementationClassUid[] = "2.25.73710557333683375587601965386534289883";
// At most 16 characters (SH); TESSERA_VERSION comes from CMake's project version.
inline constexpr char kImplementationVersionName[] = "TESSERA_" TESSERA_VERSION;
static_assert(sizeof(kImplementationVersionName) - 1 <= 16);

}  // namespace tessera::dicom
