#include "base/small_file.h"

#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera {
namespace {

class SmallFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tessera-small-file-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(SmallFileTest, ReplacesWithExactlyTheModeAndLeavesNoTemporaryFile) {
  const auto file = dir_ / "secret";
  std::ofstream(file) << "old";
  ASSERT_TRUE(WriteFileAtomically(file, "new\n", 0600));
  EXPECT_EQ(ReadSmallFile(file).value(), "new\n");
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  ASSERT_TRUE(WriteFileAtomically(file, "newer", 0640));
  EXPECT_EQ(ReadSmallFile(file).value(), "newer");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(SmallFileTest, ReadingSaysWhatIsWrong) {
  EXPECT_EQ(ReadSmallFile(dir_ / "missing").error().code, ErrorCode::kNotFound);
  const auto large = dir_ / "large";
  std::ofstream(large) << std::string((1 << 20) + 1, 'x');
  EXPECT_EQ(ReadSmallFile(large).error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(WriteFileAtomically(dir_ / "no" / "folder", "x", 0600).error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace tessera
