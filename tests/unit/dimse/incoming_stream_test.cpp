#include "dimse/incoming_stream.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace tessera::dimse {
namespace {

// Pieces of every size class, in an order where a large piece follows gathered
// small ones: the file must hold them in the order they came.
TEST(IncomingFileConsumerTest, KeepsTheOrderOfGatheredAndDirectPieces) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tessera-incoming-stream-" + std::to_string(::getpid()));
  std::string expected;
  {
    archive::IncomingFile file(path,
                               UniqueFd(::open(path.c_str(), O_CREAT | O_TRUNC | O_RDWR, 0600)));
    ASSERT_GE(file.fd(), 0);
    IncomingFileConsumer consumer(file);
    const std::vector<std::size_t> sizes = {100,    20'000, 10, 70'000,  5, 30'000,
                                            40'000, 65'000, 3,  116'794, 1, 1};
    char next = 'a';
    for (const std::size_t size : sizes) {
      const std::string piece(size, next);
      next = next == 'z' ? 'a' : static_cast<char>(next + 1);
      ASSERT_EQ(consumer.write(piece.data(), static_cast<offile_off_t>(size)),
                static_cast<offile_off_t>(size));
      expected += piece;
    }
    ASSERT_TRUE(consumer.Finish());
    EXPECT_TRUE(consumer.isFlushed());
    file.Release();  // keep the file for the check below
  }
  std::ifstream in(path, std::ios::binary);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  EXPECT_EQ(written.size(), expected.size());
  EXPECT_TRUE(written == expected);
}

}  // namespace
}  // namespace tessera::dimse
