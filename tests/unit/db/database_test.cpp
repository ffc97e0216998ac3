#include "db/database.h"

#include <filesystem>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tessera::db {
namespace {

constexpr Migration kMigrations[] = {
    {1, "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"},
    {2, "ALTER TABLE item ADD COLUMN size INTEGER NOT NULL DEFAULT 0;"},
};

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tessera-db-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(DatabaseTest, MigratesAndRecordsVersion) {
  auto db = Database::Open(dir_ / "x.db", kMigrations);
  ASSERT_TRUE(db) << db.error().message;
  auto version = (*db)->Read([](Connection& c) -> Result<std::int64_t> {
    auto s = c.Prepare("PRAGMA user_version");
    if (!s) return s.error();
    auto row = s->Step();
    if (!row) return row.error();
    return s->ColumnInt(0);
  });
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, 2);
}

TEST_F(DatabaseTest, RefusesDatabaseNewerThanMigrations) {
  { ASSERT_TRUE(Database::Open(dir_ / "x.db", kMigrations)); }
  auto older = Database::Open(dir_ / "x.db", std::span(kMigrations, 1));
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().code, ErrorCode::kCorrupt);
  // The operator who started an older build on an upgraded folder learns what to do.
  EXPECT_EQ(older.error().message,
            "database schema version 2 is newer than this program knows (1): a newer version of "
            "Tessera has upgraded it; run that version");
}

TEST_F(DatabaseTest, RollsBackUncommittedTransaction) {
  auto db = Database::Open(dir_ / "x.db", kMigrations);
  ASSERT_TRUE(db);
  (*db)->Write([](Connection& c) {
    Transaction t(c);
    ASSERT_TRUE(t.Begin());
    ASSERT_TRUE(c.Exec("INSERT INTO item(name) VALUES ('a')"));
  });
  auto count = (*db)->Read([](Connection& c) {
    auto s = c.Cached("SELECT count(*) FROM item");
    EXPECT_TRUE(s);
    EXPECT_TRUE((*s)->Step().value_or(false));
    return (*s)->ColumnInt(0);
  });
  EXPECT_EQ(count, 0);
}

TEST_F(DatabaseTest, ReportsConstraintViolationAsConflict) {
  auto db = Database::Open(dir_ / "x.db", kMigrations);
  ASSERT_TRUE(db);
  (*db)->Write([](Connection& c) {
    auto insert = c.Cached("INSERT INTO item(name) VALUES (?)");
    ASSERT_TRUE(insert);
    ASSERT_TRUE((*insert)->Bind(1, "a").Run());
    auto again = (*insert)->Bind(1, "a").Run();
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  });
}

// SQLITE_FULL is what a full disk gives (here a page limit stands in for it):
// callers must be able to tell it from other I/O failures.
TEST_F(DatabaseTest, ReportsAFullDatabaseAsStorageFull) {
  auto db = Database::Open(dir_ / "x.db", kMigrations);
  ASSERT_TRUE(db);
  (*db)->Write([](Connection& c) {
    ASSERT_TRUE(c.Exec("PRAGMA max_page_count = 8"));
    auto insert = c.Cached("INSERT INTO item(name) VALUES (?)");
    ASSERT_TRUE(insert);
    Status inserted = Ok();
    for (int i = 0; i < 10000 && inserted; ++i) {
      inserted = (*insert)->Bind(1, std::string(200, 'a') + std::to_string(i)).Run();
    }
    ASSERT_FALSE(inserted);
    EXPECT_EQ(inserted.error().code, ErrorCode::kStorageFull) << inserted.error().message;
  });
}

TEST_F(DatabaseTest, ReadersSeeCommittedWritesFromOtherThreads) {
  auto db = Database::Open(dir_ / "x.db", kMigrations, DatabaseOptions{.readers = 2, .connection = {}});
  ASSERT_TRUE(db);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        (*db)->Write([&](Connection& c) {
          auto insert = c.Cached("INSERT INTO item(name, size) VALUES (?, ?)");
          ASSERT_TRUE(insert);
          ASSERT_TRUE((*insert)->Bind(1, std::to_string(t) + "-" + std::to_string(i)).Bind(2, i).Run());
        });
      }
    });
  }
  for (auto& w : writers) w.join();
  auto count = (*db)->Read([](Connection& c) {
    auto s = c.Cached("SELECT count(*) FROM item");
    EXPECT_TRUE((*s)->Step().value_or(false));
    return (*s)->ColumnInt(0);
  });
  EXPECT_EQ(count, 100);
}

}  // namespace
}  // namespace tessera::db
