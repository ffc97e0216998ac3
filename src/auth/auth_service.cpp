#include "auth/auth_service.h"

#include "auth/auth_database.h"
#include "auth/auth_files.h"
#include "base/strings.h"

namespace tessera::auth {

AuthService::~AuthService() {
  refresher_.reset();  // stop its thread before what it reads goes away
}

Result<std::unique_ptr<AuthService>> AuthService::Open(const AuthOptions& options,
                                                       const Clock& clock) {
  std::unique_ptr<AuthService> service(new AuthService(options));
  if (!options.enabled) return service;

  const AuthFiles files(options.auth_dir);
  auto pem = ReadSmallFile(files.signing_key());
  if (!pem && pem.error().code == ErrorCode::kNotFound) {
    return Fail(ErrorCode::kNotFound,
                options.auth_dir.string() + " has no signing key (run tessera init)");
  }
  if (!pem) return std::move(pem).error();
  auto key = SigningKey::FromPrivatePem(*pem);
  if (!key) return std::move(key).error();
  if (AlgorithmName(key->algorithm()) != options.algorithm) {
    return Fail(ErrorCode::kInvalidArgument, "auth.algorithm is " + options.algorithm +
                                                 " but the signing key is for " +
                                                 std::string(AlgorithmName(key->algorithm())) +
                                                 " (run tessera init --force to make a new key)");
  }
  if (auto kid = ReadSmallFile(files.key_id()); kid && Trim(*kid) != key->kid()) {
    return Fail(ErrorCode::kCorrupt, files.key_id().string() + " does not match the signing key");
  }
  service->key_ = std::make_unique<SigningKey>(std::move(*key));
  service->codec_ = std::make_unique<JwtCodec>(*service->key_);

  auto db = OpenAuthDatabase(files.database());
  if (!db) return std::move(db).error();
  service->db_ = std::move(*db);
  auto users = UserStore::Open(*service->db_, clock);
  if (!users) return std::move(users).error();
  service->users_ = std::move(*users);
  auto registry = TokenRegistry::Open(*service->db_, clock);
  if (!registry) return std::move(registry).error();
  service->registry_ = std::move(*registry);

  const auto& o = service->options_;
  service->hasher_ = std::make_unique<PasswordHasher>(o.argon2);
  service->admin_ = std::make_unique<AdminCredential>(files.admin_password(), *service->hasher_);
  // The admin password is limited per address only: a per-account limit would
  // let anyone with a few addresses keep the one admin out, who has no login
  // link to fall back on.
  SignInThrottleOptions admin_throttle = o.throttle;
  admin_throttle.per_account.reset();
  service->admin_throttle_ = std::make_unique<SignInThrottle>(admin_throttle, clock);
  service->sign_in_throttle_ = std::make_unique<SignInThrottle>(o.throttle, clock);
  auto familiar = service->users_->SignInAddresses();
  if (!familiar) return std::move(familiar).error();
  for (auto& [username, address] : *familiar) {
    service->sign_in_throttle_->Remember(username, std::move(address));
  }
  service->tokens_ = std::make_unique<TokenService>(o, *service->codec_, *service->users_,
                                                    *service->registry_, clock);
  AuthService* self = service.get();
  service->guard_ =
      std::make_unique<TokenGuard>(*service->tokens_, [self] { self->refresher_->Poke(); });
  service->cors_ = std::make_unique<http::CorsPolicy>(http::CorsOptions{o.allowed_origins});
  service->refresher_ =
      std::make_unique<StateRefresher>(*service->db_, *service->users_, *service->registry_, clock);
  return service;
}

void AuthService::RegisterRoutes(http::Router& router, http::BlockingPool& pool,
                                 const AuthPages& pages) {
  if (!options_.enabled) return;
  const RouteContext context{options_,           *tokens_, *users_, *admin_, *admin_throttle_,
                             *sign_in_throttle_, *hasher_, pool,    *cors_,  *refresher_};
  auth_routes_ = std::make_unique<AuthRoutes>(context, *guard_, *key_, pages);
  auth_routes_->Register(router);
  admin_routes_ = std::make_unique<AdminRoutes>(context);
  admin_routes_->Register(router);
}

http::Guard& AuthService::guard() {
  if (!options_.enabled) return allow_all_;
  return *guard_;
}

}  // namespace tessera::auth
