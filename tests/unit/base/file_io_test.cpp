#include "base/file_io.h"

#include <array>
#include <cerrno>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace tessera {
namespace {

// A file holding `content` in the temp folder, removed on destruction.
class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    std::string pattern = ::testing::TempDir() + "file_io_XXXXXX";
    fd_ = UniqueFd(::mkstemp(pattern.data()));
    path_ = pattern;
    EXPECT_EQ(::write(fd_.get(), content.data(), content.size()),
              static_cast<ssize_t>(content.size()));
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  std::string path_;
};

TEST(ReadFullyAtTest, FillsTheBufferFromTheOffset) {
  TempFile file("0123456789");
  std::array<char, 4> buffer{};
  EXPECT_EQ(ReadFullyAt(file.fd(), buffer, 3), 4);
  EXPECT_EQ(std::string_view(buffer.data(), buffer.size()), "3456");
}

TEST(ReadFullyAtTest, StopsAtTheEndOfTheFile) {
  TempFile file("0123456789");
  std::array<char, 16> buffer{};
  EXPECT_EQ(ReadFullyAt(file.fd(), buffer, 6), 4);
  EXPECT_EQ(std::string_view(buffer.data(), 4), "6789");
  EXPECT_EQ(ReadFullyAt(file.fd(), buffer, 10), 0);
}

TEST(ReadFullyAtTest, ReportsErrorsThroughErrno) {
  std::array<char, 4> buffer{};
  errno = 0;
  EXPECT_EQ(ReadFullyAt(-1, buffer, 0), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace tessera
