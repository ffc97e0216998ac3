#include "auth/token_registry.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "auth/auth_database.h"
#include "test_support.h"

namespace tessera::auth {
namespace {

class TokenRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    registry_.reset();
    db_.reset();
    auto db = OpenAuthDatabase(dir_.path() / "auth.db");
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    auto registry = TokenRegistry::Open(*db_, clock_);
    ASSERT_TRUE(registry) << registry.error().message;
    registry_ = std::move(*registry);
  }

  std::chrono::sys_seconds In(std::chrono::seconds d) {
    return std::chrono::time_point_cast<std::chrono::seconds>(clock_.Now()) + d;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<TokenRegistry> registry_;
};

TEST_F(TokenRegistryTest, SpendsATokenOnlyOnce) {
  EXPECT_FALSE(registry_->IsBlocked("a"));
  auto first = registry_->Spend("a", In(std::chrono::hours(1)));
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  EXPECT_TRUE(registry_->IsBlocked("a"));
  auto second = registry_->Spend("a", In(std::chrono::hours(1)));
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  EXPECT_FALSE(registry_->IsBlocked("b"));
}

TEST_F(TokenRegistryTest, RevokedTokensCannotBeSpent) {
  ASSERT_TRUE(registry_->Revoke("a", In(std::chrono::hours(1))));
  ASSERT_TRUE(registry_->Revoke("a", In(std::chrono::hours(1))));  // idempotent
  EXPECT_TRUE(registry_->IsBlocked("a"));
  EXPECT_FALSE(*registry_->Spend("a", In(std::chrono::hours(1))));
}

TEST_F(TokenRegistryTest, RemembersAcrossRestart) {
  ASSERT_TRUE(registry_->Spend("spent", In(std::chrono::hours(1))));
  ASSERT_TRUE(registry_->Revoke("revoked", In(std::chrono::hours(1))));
  Open();
  EXPECT_TRUE(registry_->IsBlocked("spent"));
  EXPECT_TRUE(registry_->IsBlocked("revoked"));
  EXPECT_FALSE(*registry_->Spend("spent", In(std::chrono::hours(1))));
}

TEST_F(TokenRegistryTest, PrunesEntriesOfExpiredTokens) {
  ASSERT_TRUE(registry_->Spend("short", In(std::chrono::minutes(5))));
  ASSERT_TRUE(registry_->Spend("long", In(std::chrono::hours(5))));
  clock_.Advance(std::chrono::minutes(10));
  ASSERT_TRUE(registry_->Prune());
  EXPECT_FALSE(registry_->IsBlocked("short"));
  EXPECT_TRUE(registry_->IsBlocked("long"));
  EXPECT_EQ(registry_->size(), 1u);
  Open();  // pruned from SQLite too
  EXPECT_EQ(registry_->size(), 1u);
}

TEST_F(TokenRegistryTest, ExactlyOneConcurrentSpendWins) {
  std::atomic<int> winners = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto spent = registry_->Spend("contested", In(std::chrono::hours(1)));
      if (spent && *spent) ++winners;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_F(TokenRegistryTest, ReloadSeesEntriesFromAnotherProcess) {
  auto other_db = OpenAuthDatabase(dir_.path() / "auth.db");
  ASSERT_TRUE(other_db);
  auto other = TokenRegistry::Open(**other_db, clock_);
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->Revoke("x", In(std::chrono::hours(1))));
  EXPECT_FALSE(registry_->IsBlocked("x"));
  // Even before a reload, spending consults SQLite and loses.
  EXPECT_FALSE(*registry_->Spend("x", In(std::chrono::hours(1))));
  ASSERT_TRUE((*other)->Revoke("y", In(std::chrono::hours(1))));
  ASSERT_TRUE(registry_->Reload());
  EXPECT_TRUE(registry_->IsBlocked("y"));
}

}  // namespace
}  // namespace tessera::auth
