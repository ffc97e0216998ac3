#include "db/snapshot.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "db/connection.h"

namespace tessera::db {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tessera-snapshot-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::int64_t Count(Connection& connection) {
    auto statement = connection.Prepare("SELECT count(*) FROM item");
    EXPECT_TRUE(statement);
    EXPECT_TRUE(statement->Step().value_or(false));
    return statement->ColumnInt(0);
  }

  std::filesystem::path dir_;
};

// The copy holds what was committed when it was taken, not a writer's open
// transaction, and replaces whatever the target file held.
TEST_F(SnapshotTest, CopiesWhatWasCommittedWhileAWriterIsBusy) {
  auto live = Connection::Open(dir_ / "live.db", {});
  ASSERT_TRUE(live) << live.error().message;
  ASSERT_TRUE(
      (*live)->Exec("CREATE TABLE item(id INTEGER PRIMARY KEY);"
                    "INSERT INTO item VALUES (1), (2), (3);"));
  ASSERT_TRUE((*live)->Exec("BEGIN IMMEDIATE; INSERT INTO item VALUES (4);"));
  { std::ofstream(dir_ / "copy.db") << "an older copy"; }

  ASSERT_TRUE(SnapshotDatabase(dir_ / "live.db", dir_ / "copy.db"));
  ASSERT_TRUE((*live)->Exec("COMMIT"));
  for (const char* side : {"copy.db-wal", "copy.db-shm", "copy.db-journal"}) {
    EXPECT_FALSE(std::filesystem::exists(dir_ / side)) << side << ": the copy is its file alone";
  }

  ConnectionOptions read_only;
  read_only.read_only = true;
  auto copy = Connection::Open(dir_ / "copy.db", read_only);
  ASSERT_TRUE(copy) << copy.error().message;
  EXPECT_EQ(Count(**copy), 3);
  EXPECT_EQ(Count(**live), 4);
}

// The copy's name must not be the source's, under any name: removing it first
// would delete the database.
TEST_F(SnapshotTest, RefusesToCopyADatabaseOntoItself) {
  auto live = Connection::Open(dir_ / "live.db", {});
  ASSERT_TRUE(live) << live.error().message;
  ASSERT_TRUE(
      (*live)->Exec("CREATE TABLE item(id INTEGER PRIMARY KEY); INSERT INTO item VALUES (1);"));
  std::filesystem::create_hard_link(dir_ / "live.db", dir_ / "alias.db");
  const auto status = SnapshotDatabase(dir_ / "live.db", dir_ / "alias.db");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count(**live), 1);
}

TEST_F(SnapshotTest, AMissingSourceIsNotFound) {
  const auto status = SnapshotDatabase(dir_ / "none.db", dir_ / "copy.db");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "none.db"));
}

}  // namespace
}  // namespace tessera::db
