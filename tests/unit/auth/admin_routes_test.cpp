#include "auth/admin_routes.h"

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace tessera::auth {
namespace {

using http::HttpStatus;
using namespace testing;
using namespace std::chrono_literals;

class AdminRoutesTest : public ServiceFixture {
 protected:
  http::Response Admin(const std::string& path, nlohmann::json body = nlohmann::json::object()) {
    if (!body.contains("password")) body["password"] = kAdminPassword;
    return Send(PostJson("/auth/admin/" + path, body));
  }
};

TEST_F(AdminRoutesTest, ListsUsersWithPermissionAndTimes) {
  IssueOneOff("bob", true);
  clock_.Advance(1h);
  Login("alice", false);
  const auto response = Admin("users");
  ASSERT_EQ(response.status, HttpStatus::ok) << Body(response);
  const auto users = JsonBody(response);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0]["username"], "alice");
  EXPECT_EQ(users[0]["name"], "Name of alice");
  EXPECT_EQ(users[0]["canEditResource"], false);
  EXPECT_EQ(users[0]["lastLogin"], "2024-03-01T10:00:00Z");
  EXPECT_EQ(users[0]["createdAt"], "2024-03-01T10:00:00Z");
  EXPECT_EQ(users[1]["username"], "bob");
  EXPECT_EQ(users[1]["canEditResource"], true);
  EXPECT_TRUE(users[1]["lastLogin"].is_null());
  EXPECT_EQ(users[1]["createdAt"], "2024-03-01T09:00:00Z");
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
}

TEST_F(AdminRoutesTest, RefusesWrongOrMissingAdminPassword) {
  const auto wrong = Admin("users", {{"password", "nope"}});
  EXPECT_EQ(wrong.status, HttpStatus::bad_request);
  EXPECT_EQ(Message(wrong), "Invalid admin password");
  const auto missing = Send(PostJson("/auth/admin/users", nlohmann::json::object()));
  EXPECT_EQ(missing.status, HttpStatus::bad_request);
  EXPECT_EQ(Message(missing), "Invalid data");
}

TEST_F(AdminRoutesTest, WrongAdminPasswordsAreRateLimited) {
  for (int i = 0; i < 5; ++i) Admin("users", {{"password", "nope"}});
  const auto limited = Admin("users");
  EXPECT_EQ(limited.status, HttpStatus::too_many_requests);
  EXPECT_EQ(Header(limited, "Retry-After"), "60");
}

TEST_F(AdminRoutesTest, SetPermissionChangesItAndEndsSessions) {
  const auto session = Login("alice", false);
  ASSERT_EQ(Send(Post("/zhiva/pacs/studies", {Bearer(session.access)})).status,
            HttpStatus::forbidden);
  const auto response = Admin("set-permission", {{"username", "alice"}, {"canEditResource", true}});
  ASSERT_EQ(response.status, HttpStatus::ok) << Body(response);
  EXPECT_EQ(JsonBody(response), nlohmann::json::object());
  EXPECT_TRUE(service_->users().Lookup("alice")->can_edit);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(session.access)})).status,
            HttpStatus::forbidden);
  const auto fresh = Login("alice", true);
  EXPECT_EQ(Send(Post("/zhiva/pacs/studies", {Bearer(fresh.access)})).status, HttpStatus::ok);

  EXPECT_EQ(Message(Admin("set-permission", {{"username", "alice"}, {"canEditResource", "yes"}})),
            "Invalid data");
  EXPECT_EQ(Message(Admin("set-permission", {{"username", "ghost"}, {"canEditResource", true}})),
            "User doesn't exists");
  EXPECT_EQ(Message(Admin("set-permission", {{"canEditResource", true}})), "username not valid");
}

TEST_F(AdminRoutesTest, RevokeUserRefusesAllTheirTokens) {
  const auto first = Login("alice", false);
  const auto second = Login("alice", false);
  const auto other = Login("bob", false);
  ASSERT_EQ(Admin("revoke-user", {{"username", "alice"}}).status, HttpStatus::ok);
  for (const auto& token : {first.access, second.access}) {
    EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(token)})).status, HttpStatus::forbidden);
  }
  EXPECT_EQ(Send(Post("/auth/refresh-token", {Bearer(first.refresh)})).status,
            HttpStatus::forbidden);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(other.access)})).status, HttpStatus::ok);
  EXPECT_EQ(Message(Admin("revoke-user", {{"username", "ghost"}})), "User doesn't exists");
}

TEST_F(AdminRoutesTest, DeleteUserRemovesThemAndTheirTokens) {
  const auto session = Login("alice", false);
  ASSERT_EQ(Admin("delete-user", {{"username", "alice"}}).status, HttpStatus::ok);
  EXPECT_EQ(Send(Get("/zhiva/pacs/studies", {Bearer(session.access)})).status,
            HttpStatus::forbidden);
  EXPECT_EQ(JsonBody(Admin("users")).size(), 0u);
  EXPECT_EQ(Message(Admin("delete-user", {{"username", "alice"}})), "User doesn't exists");
}

// Names refused today (a no-break space) may exist from older versions: the
// admin page must still be able to change, revoke and remove such a user.
TEST_F(AdminRoutesTest, UsersWithNamesNoLongerAcceptedCanStillBeManaged) {
  const std::string legacy = "nb\u00a0sp";
  ASSERT_FALSE(CheckUsername(legacy));
  UserChange change;
  change.username = legacy;
  change.name = "Legacy";
  ASSERT_TRUE(service_->users().Create(change));
  EXPECT_EQ(Admin("set-permission", {{"username", legacy}, {"canEditResource", true}}).status,
            HttpStatus::ok);
  EXPECT_TRUE(service_->users().Lookup(legacy)->can_edit);
  EXPECT_EQ(Admin("revoke-user", {{"username", legacy}}).status, HttpStatus::ok);
  EXPECT_EQ(Admin("delete-user", {{"username", legacy}}).status, HttpStatus::ok);
  EXPECT_FALSE(service_->users().Lookup(legacy));
}

}  // namespace
}  // namespace tessera::auth
