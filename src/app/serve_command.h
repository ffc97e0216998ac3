#pragma once

#include "app/settings.h"

namespace tessera::app {

// `tessera serve`: sets the data folder up when it never was (printing the
// generated admin password once), opens the archive, starts the HTTPS server and
// the DICOM service, and runs until SIGINT/SIGTERM. Returns the exit code.
int RunServe(const CommonFlags& flags);

}  // namespace tessera::app
