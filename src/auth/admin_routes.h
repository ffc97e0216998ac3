#pragma once

#include "auth/route_support.h"
#include "http/router.h"

namespace tessera::auth {

// The admin API under the auth prefix, for the explorer's admin page. Every call
// takes a JSON body with the admin "password" (rate-limited per address: 429
// with Retry-After; wrong: 400 "Invalid admin password"):
//   POST admin/users           {password} -> [{username, name, canEditResource,
//                              lastLogin (ISO-8601 UTC or null), createdAt}]
//   POST admin/set-permission  {password, username, canEditResource} -> {}
//   POST admin/revoke-user     {password, username} -> {} (all their tokens refused)
//   POST admin/delete-user     {password, username} -> {}
// Unknown users answer 400 "User doesn't exists". The object must outlive the router.
class AdminRoutes {
 public:
  explicit AdminRoutes(RouteContext context) : context_(context) {}
  AdminRoutes(const AdminRoutes&) = delete;
  AdminRoutes& operator=(const AdminRoutes&) = delete;

  void Register(http::Router& router);

 private:
  http::Awaitable<http::Response> Users(http::Request& request);
  http::Awaitable<http::Response> SetPermission(http::Request& request);
  http::Awaitable<http::Response> RevokeUser(http::Request& request);
  http::Awaitable<http::Response> DeleteUser(http::Request& request);

  RouteContext context_;
};

}  // namespace tessera::auth
