#include "auth/user_store.h"

#include <gtest/gtest.h>

#include "auth/auth_database.h"
#include "test_support.h"

namespace tessera::auth {
namespace {

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenAuthDatabase(dir_.path() / "auth.db");
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    auto store = UserStore::Open(*db_, clock_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  User Create(const std::string& username, bool can_edit = false,
              std::optional<std::string> hash = "$argon2id$hash") {
    auto user = store_->Create(UserChange{username, "Name of " + username, can_edit, hash});
    EXPECT_TRUE(user) << user.error().message;
    return user.value_or(User{});
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<UserStore> store_;
};

TEST_F(UserStoreTest, CreatesAndFindsUsers) {
  const auto created = Create("alice", true);
  EXPECT_EQ(created.version.size(), 16u);
  EXPECT_EQ(created.created_at, std::chrono::time_point_cast<std::chrono::seconds>(clock_.Now()));

  auto found = store_->Find("alice");
  ASSERT_TRUE(found);
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->name, "Name of alice");
  EXPECT_EQ((*found)->password_hash, "$argon2id$hash");
  EXPECT_TRUE((*found)->can_edit);
  EXPECT_EQ((*found)->version, created.version);
  EXPECT_FALSE((*found)->last_login);

  const auto state = store_->Lookup("alice");
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->can_edit);
  EXPECT_EQ(state->version, created.version);
  EXPECT_FALSE(store_->Lookup("Alice"));  // user names are case-sensitive
  EXPECT_FALSE(*store_->Find("bob"));
}

TEST_F(UserStoreTest, CreateRefusesExistingUser) {
  Create("alice");
  auto again = store_->Create(UserChange{"alice", "Other", false, std::nullopt});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(UserStoreTest, ListsUsersInOrder) {
  Create("carol");
  Create("alice", false, std::nullopt);
  Create("bob");
  auto users = store_->List();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 3u);
  EXPECT_EQ((*users)[0].username, "alice");
  EXPECT_FALSE((*users)[0].password_hash);
  EXPECT_EQ((*users)[1].username, "bob");
  EXPECT_EQ((*users)[2].username, "carol");
}

TEST_F(UserStoreTest, UpsertCreatesThenUpdatesPermissionAndPassword) {
  auto created = store_->Upsert(UserChange{"alice", "Alice", false, std::nullopt});
  ASSERT_TRUE(created);
  EXPECT_FALSE(created->password_hash);

  auto same = store_->Upsert(UserChange{"alice", "Renamed", false, std::nullopt});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->version, created->version);  // nothing changed
  EXPECT_EQ(same->name, "Alice");              // an existing user keeps their name

  auto promoted = store_->Upsert(UserChange{"alice", "Alice", true, std::nullopt});
  ASSERT_TRUE(promoted);
  EXPECT_TRUE(promoted->can_edit);
  EXPECT_NE(promoted->version, same->version);

  auto with_password = store_->Upsert(UserChange{"alice", "Alice", true, "$argon2id$new"});
  ASSERT_TRUE(with_password);
  EXPECT_EQ(with_password->password_hash, "$argon2id$new");
  EXPECT_NE(with_password->version, promoted->version);
  EXPECT_EQ(store_->Lookup("alice")->version, with_password->version);
}

TEST_F(UserStoreTest, PermissionChangeBumpsVersionOnlyWhenItChanges) {
  const auto user = Create("alice");
  auto same = store_->SetPermission("alice", false);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->version, user.version);
  auto changed = store_->SetPermission("alice", true);
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->version, user.version);
  EXPECT_TRUE(store_->Lookup("alice")->can_edit);
  EXPECT_EQ(store_->SetPermission("nobody", true).error().code, ErrorCode::kNotFound);
}

TEST_F(UserStoreTest, PasswordChangeAndRevocationBumpVersion) {
  const auto user = Create("alice");
  auto changed = store_->SetPassword("alice", "$argon2id$other");
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->version, user.version);
  EXPECT_EQ((*store_->Find("alice"))->password_hash, "$argon2id$other");

  ASSERT_TRUE(store_->RevokeTokens("alice"));
  EXPECT_NE(store_->Lookup("alice")->version, changed->version);
  EXPECT_EQ(store_->RevokeTokens("nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->SetPassword("nobody", "x").error().code, ErrorCode::kNotFound);
}

TEST_F(UserStoreTest, DeleteRemovesUserAndRecreationGetsNewVersion) {
  const auto user = Create("alice");
  ASSERT_TRUE(store_->Delete("alice"));
  EXPECT_FALSE(store_->Lookup("alice"));
  EXPECT_FALSE(*store_->Find("alice"));
  EXPECT_EQ(store_->Delete("alice").error().code, ErrorCode::kNotFound);
  const auto again = Create("alice");
  EXPECT_NE(again.version, user.version);
}

TEST_F(UserStoreTest, RecordsLastLogin) {
  Create("alice");
  clock_.Advance(std::chrono::hours(5));
  ASSERT_TRUE(store_->RecordLogin("alice", "10.0.0.1", 8));
  ASSERT_TRUE(store_->RecordLogin("nobody", "10.0.0.1", 8));  // not an error
  const auto user = store_->Find("alice");
  ASSERT_TRUE(user && *user && (*user)->last_login);
  EXPECT_EQ(*(*user)->last_login, std::chrono::time_point_cast<std::chrono::seconds>(clock_.Now()));
}

TEST_F(UserStoreTest, KeepsEachUsersLatestSignInAddresses) {
  Create("alice");
  Create("bob");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  for (const char* address : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    ASSERT_TRUE(store_->RecordLogin("alice", address, 2));
    clock_.Advance(std::chrono::seconds(1));
  }
  ASSERT_TRUE(store_->RecordLogin("bob", "10.0.0.9", 2));
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(store_->RecordLogin("alice", "10.0.0.2", 2));   // again: now the latest
  ASSERT_TRUE(store_->RecordLogin("nobody", "10.0.0.5", 2));  // not an error, not noted
  EXPECT_EQ(*store_->SignInAddresses(),
            (Pairs{{"alice", "10.0.0.3"}, {"bob", "10.0.0.9"}, {"alice", "10.0.0.2"}}));
  const auto alice = store_->Find("alice");
  ASSERT_TRUE(alice && *alice && (*alice)->last_login);
  ASSERT_TRUE(store_->Delete("alice"));
  EXPECT_EQ(*store_->SignInAddresses(), (Pairs{{"bob", "10.0.0.9"}}));
}

TEST_F(UserStoreTest, ReloadSeesChangesFromAnotherProcess) {
  Create("alice");
  // A second handle on the same file stands in for `tessera user ...` running
  // while the server does.
  auto other_db = OpenAuthDatabase(dir_.path() / "auth.db");
  ASSERT_TRUE(other_db);
  auto other = UserStore::Open(**other_db, clock_);
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->Delete("alice"));
  ASSERT_TRUE((*other)->Create(UserChange{"bob", "Bob", true, std::nullopt}));

  EXPECT_TRUE(store_->Lookup("alice"));  // memory is stale until reloaded
  ASSERT_TRUE(store_->Reload());
  EXPECT_FALSE(store_->Lookup("alice"));
  ASSERT_TRUE(store_->Lookup("bob"));
  EXPECT_TRUE(store_->Lookup("bob")->can_edit);
}

TEST_F(UserStoreTest, PersistsAcrossReopen) {
  const auto user = Create("alice", true);
  store_.reset();
  db_.reset();
  auto db = OpenAuthDatabase(dir_.path() / "auth.db");
  ASSERT_TRUE(db);
  auto store = UserStore::Open(**db, clock_);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->Lookup("alice"));
  EXPECT_EQ((*store)->Lookup("alice")->version, user.version);
}

TEST(UserNamesTest, ChecksUsernamesAndDisplayNames) {
  EXPECT_TRUE(CheckUsername("alice"));
  EXPECT_TRUE(CheckUsername("dr.house@clinic-1"));
  EXPECT_TRUE(CheckUsername("zażółć"));
  EXPECT_FALSE(CheckUsername(""));
  EXPECT_FALSE(CheckUsername("a b"));
  EXPECT_FALSE(CheckUsername("tab\there"));
  EXPECT_FALSE(CheckUsername(std::string(129, 'a')));
  EXPECT_FALSE(CheckUsername("\xff\xfe"));
  // Characters that print as nothing or as a space: look-alike usernames.
  EXPECT_FALSE(CheckUsername("a\u200Bb"));     // zero-width space
  EXPECT_FALSE(CheckUsername("ab\u00A0"));     // no-break space
  EXPECT_FALSE(CheckUsername("\uFEFFalice"));  // byte order mark
  EXPECT_FALSE(CheckUsername("jo\u3000e"));    // ideographic space
  EXPECT_TRUE(CheckUsername("\u7528\u6237"));  // CJK letters are fine
  EXPECT_TRUE(CheckUsername("Jos\u00E9"));
  EXPECT_EQ(CheckUsername("").error().message, "username not valid");

  EXPECT_TRUE(CheckDisplayName("Dr. Gregory House"));
  EXPECT_FALSE(CheckDisplayName(""));
  EXPECT_FALSE(CheckDisplayName("   "));
  EXPECT_FALSE(CheckDisplayName("line\nbreak"));
  EXPECT_EQ(CheckDisplayName("").error().message, "Name not valid");
}

}  // namespace
}  // namespace tessera::auth
