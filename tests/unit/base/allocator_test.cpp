#include "base/allocator.h"

#include <cstddef>
#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

#if TESSERA_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace tessera {
namespace {

#if TESSERA_JEMALLOC
// The settings in base/allocator.cpp reach jemalloc only if the linker keeps
// its `malloc_conf` and jemalloc, not glibc, serves malloc.
TEST(AllocatorTest, JemallocRunsWithTheCompiledInSettings) {
  TuneAllocator();
  bool background_thread = false;
  std::size_t length = sizeof(background_thread);
  ASSERT_EQ(mallctl("opt.background_thread", &background_thread, &length, nullptr, 0), 0);
  EXPECT_TRUE(background_thread);
  long dirty_decay_ms = 0;
  length = sizeof(dirty_decay_ms);
  ASSERT_EQ(mallctl("opt.dirty_decay_ms", &dirty_decay_ms, &length, nullptr, 0), 0);
  EXPECT_EQ(dirty_decay_ms, 1000);
}
#endif

TEST(AllocatorTest, FreedMemoryCanBeReleasedWhileOtherBlocksLive) {
  TuneAllocator();
  std::vector<void*> blocks;
  for (int i = 0; i < 10000; ++i) blocks.push_back(std::malloc(100));
  for (std::size_t i = 0; i < blocks.size(); i += 2) std::free(blocks[i]);
  ReleaseFreedMemory();
  for (std::size_t i = 1; i < blocks.size(); i += 2) {
    static_cast<char*>(blocks[i])[99] = 1;  // still usable
    std::free(blocks[i]);
  }
}

}  // namespace
}  // namespace tessera
