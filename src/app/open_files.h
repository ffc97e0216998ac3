#pragma once

#include <cstddef>

namespace tessera::app {

// Raises this process's soft limit on open files to its hard limit: each
// connection, stored file in flight and database reader holds a descriptor, and
// the usual soft limit of 1024 is far below what a server needs. Returns the
// soft limit now in force (1024, the usual default, when it cannot be read).
std::size_t RaiseOpenFileLimit();

}  // namespace tessera::app
