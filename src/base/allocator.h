#pragma once

namespace tessera {

// The process's memory allocator. Release builds link jemalloc (CMake option
// TESSERA_JEMALLOC, on by default): its per-thread caches cost about a tenth
// less CPU per stored instance than glibc's malloc, and its background thread
// hands the memory of a large answer back to the system within a second, where
// glibc kept a fragmented part of it resident for good (bench/RESULTS.md, "The
// allocator"). Built without it (sanitizers, valgrind's memcheck), glibc's
// malloc is tuned instead.

// Allocator settings that cannot be made before main: with glibc, fixed mmap and
// trim thresholds, since glibc otherwise raises them after each large free and
// keeps the memory of a large answer. Nothing with jemalloc, whose settings are
// compiled in. Call once at start-up, before the threads start.
void TuneAllocator();

// Returns freed memory to the system now, after an answer that allocated a great
// many blocks. Thread-safe; costs milliseconds, so not for every request.
void ReleaseFreedMemory();

}  // namespace tessera
