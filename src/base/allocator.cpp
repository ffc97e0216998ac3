#include "base/allocator.h"

#if TESSERA_JEMALLOC

#include <jemalloc/jemalloc.h>

// jemalloc reads this at its first allocation. background_thread purges unused
// pages off the request path; dirty_decay_ms:1000 makes it return them within a
// second (the default, 10 s, left an 89 MB answer's memory resident that long).
extern "C" {
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000";
}

namespace tessera {

void TuneAllocator() {}

void ReleaseFreedMemory() {
  static_assert(MALLCTL_ARENAS_ALL == 4096, "the name below addresses every arena");
  mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
}

}  // namespace tessera

#else

#include <malloc.h>

namespace tessera {

void TuneAllocator() {
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

void ReleaseFreedMemory() { malloc_trim(0); }

}  // namespace tessera

#endif
