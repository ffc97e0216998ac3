#include "auth/state_refresher.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "auth/auth_database.h"
#include "auth/token_guard.h"
#include "http_harness.h"
#include "test_support.h"

namespace tessera::auth {
namespace {

using namespace std::chrono_literals;

class StateRefresherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = OpenAuthDatabase(dir_.path() / "auth.db").value();
    users_ = UserStore::Open(*db_, clock_).value();
    registry_ = TokenRegistry::Open(*db_, clock_).value();
    // A second handle stands in for `tessera user ...` in another process.
    other_db_ = OpenAuthDatabase(dir_.path() / "auth.db").value();
    other_users_ = UserStore::Open(*other_db_, clock_).value();
    other_registry_ = TokenRegistry::Open(*other_db_, clock_).value();
  }

  bool WaitFor(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    return done();
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<db::Database> db_, other_db_;
  std::unique_ptr<UserStore> users_, other_users_;
  std::unique_ptr<TokenRegistry> registry_, other_registry_;
};

TEST_F(StateRefresherTest, ReloadsOnlyAfterAnotherConnectionCommits) {
  StateRefresher refresher(*db_, *users_, *registry_, clock_, 0ms);  // no thread
  EXPECT_FALSE(refresher.RefreshNow().value());
  ASSERT_TRUE(users_->Create({"own", "Own", false, std::nullopt}));  // our own write
  EXPECT_FALSE(refresher.RefreshNow().value());

  ASSERT_TRUE(other_users_->Create({"alice", "Alice", true, std::nullopt}));
  ASSERT_TRUE(other_registry_->Revoke(
      "jti-1", std::chrono::time_point_cast<std::chrono::seconds>(clock_.Now() + 1h)));
  EXPECT_FALSE(users_->Lookup("alice"));
  EXPECT_TRUE(refresher.RefreshNow().value());
  EXPECT_TRUE(users_->Lookup("alice"));
  EXPECT_TRUE(registry_->IsBlocked("jti-1"));
  EXPECT_TRUE(users_->Lookup("own"));
  EXPECT_FALSE(refresher.RefreshNow().value());
}

TEST_F(StateRefresherTest, PrunesExpiredEntriesHourly) {
  StateRefresher refresher(*db_, *users_, *registry_, clock_, 0ms);
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_.Now());
  ASSERT_TRUE(registry_->Spend("old", now + 10min));
  clock_.Advance(30min);
  ASSERT_TRUE(refresher.RefreshNow());
  EXPECT_TRUE(registry_->IsBlocked("old"));  // pruned at most once an hour
  clock_.Advance(31min);
  ASSERT_TRUE(refresher.RefreshNow());
  EXPECT_FALSE(registry_->IsBlocked("old"));
}

TEST_F(StateRefresherTest, PokeWakesTheThreadBeforeItsPeriod) {
  StateRefresher refresher(*db_, *users_, *registry_, clock_, std::chrono::hours(1));
  ASSERT_TRUE(other_users_->Create({"bob", "Bob", false, std::nullopt}));
  refresher.Poke();
  // Without the poke the thread would sleep for an hour.
  EXPECT_TRUE(WaitFor([&] { return users_->Lookup("bob").has_value(); }));
}

TEST_F(StateRefresherTest, GuardReportsUnknownUsersAsStale) {
  const auto& key = testing::TestKey(SigningAlgorithm::kEs256);
  const JwtCodec codec(key);
  AuthOptions options;
  TokenService tokens(options, codec, *users_, *registry_, clock_);
  std::atomic<int> stale = 0;
  TokenGuard guard(tokens, [&] { ++stale; });
  const auto token =
      tokens.IssueOneOff({"carol", "Carol", false, "0000000000000000"}, std::nullopt, "https://x")
          .value();
  testing::StringBody body("");
  http::Request request(http::Verb::get, "GET", "/x?token=" + token, {}, "a", true, body);
  ASSERT_TRUE(request.ParseTarget());
  const auto refusal = guard.Check(request, http::Access::kRead);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, http::HttpStatus::forbidden);
  EXPECT_EQ(stale.load(), 1);
  http::Request garbage(http::Verb::get, "GET", "/x?token=abc", {}, "a", true, body);
  ASSERT_TRUE(garbage.ParseTarget());
  EXPECT_TRUE(guard.Check(garbage, http::Access::kRead));
  EXPECT_EQ(stale.load(), 1);  // forged tokens do not cause reloads
}

}  // namespace
}  // namespace tessera::auth
