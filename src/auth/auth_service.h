#pragma once

#include <memory>

#include "auth/admin_credential.h"
#include "auth/admin_routes.h"
#include "auth/auth_options.h"
#include "auth/auth_pages.h"
#include "auth/auth_routes.h"
#include "auth/jwt_codec.h"
#include "auth/password_hasher.h"
#include "auth/sign_in_throttle.h"
#include "auth/signing_key.h"
#include "auth/state_refresher.h"
#include "auth/token_guard.h"
#include "auth/token_registry.h"
#include "auth/token_service.h"
#include "auth/user_store.h"
#include "base/clock.h"
#include "base/result.h"
#include "db/database.h"
#include "http/blocking_pool.h"
#include "http/cors.h"
#include "http/guard.h"
#include "http/router.h"

namespace tessera::auth {

// The built-in authentication, built once by app/: owns the signing key, the
// user store, the token registry, the sign-in throttles, the guard and the /auth
// handlers.
//
//   auto auth = auth::AuthService::Open(options, clock);   // after tessera init
//   auth->RegisterRoutes(router, pool, *auth::AuthPagesFrom(web::Assets()));
//   http::Server server(server_options, router, auth->guard());
//
// Thread-safe once built. Must outlive the router and server using it.
class AuthService {
 public:
  // Blocking (files, SQLite). Loads <auth_dir>/signing-key.pem and auth.db.
  // With options.enabled == false nothing is loaded: guard() lets everything
  // through and RegisterRoutes adds nothing.
  // Errors: kNotFound when auth_dir is not initialised; kInvalidArgument when
  // options.algorithm does not match the key; kCorrupt when the key id file
  // does not belong to the key; those of the database.
  static Result<std::unique_ptr<AuthService>> Open(const AuthOptions& options, const Clock& clock);
  ~AuthService();
  AuthService(const AuthService&) = delete;
  AuthService& operator=(const AuthService&) = delete;

  // Adds the /auth endpoints and pages (all Access::kPublic). Call once.
  void RegisterRoutes(http::Router& router, http::BlockingPool& pool, const AuthPages& pages);

  // The guard for every route; refuses nothing when auth is disabled.
  http::Guard& guard();

  // For the command line and tests. REQUIRES (all but options()): options().enabled.
  const AuthOptions& options() const { return options_; }
  TokenService& tokens() { return *tokens_; }
  UserStore& users() { return *users_; }
  const SigningKey& key() const { return *key_; }
  StateRefresher& refresher() { return *refresher_; }

 private:
  explicit AuthService(const AuthOptions& options) : options_(options) {}

  const AuthOptions options_;
  http::AllowAllGuard allow_all_;
  std::unique_ptr<SigningKey> key_;
  std::unique_ptr<JwtCodec> codec_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<TokenRegistry> registry_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<AdminCredential> admin_;
  std::unique_ptr<SignInThrottle> admin_throttle_;    // admin password checks
  std::unique_ptr<SignInThrottle> sign_in_throttle_;  // users' sign-ins
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<TokenGuard> guard_;
  std::unique_ptr<http::CorsPolicy> cors_;
  std::unique_ptr<AuthRoutes> auth_routes_;
  std::unique_ptr<AdminRoutes> admin_routes_;
  std::unique_ptr<StateRefresher> refresher_;  // last: its thread uses the members above
};

}  // namespace tessera::auth
