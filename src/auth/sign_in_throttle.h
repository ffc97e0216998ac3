#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/rate_limiter.h"
#include "base/clock.h"

namespace tessera::auth {

struct SignInThrottleOptions {
  // Failed attempts per client address (AddressKey), whatever the account.
  RateLimitOptions per_address;
  // Failed attempts at one account from addresses it is not familiar with:
  // guesses spread over many addresses. Nullopt: no such limit.
  std::optional<RateLimitOptions> per_account = RateLimitOptions{30, std::chrono::minutes(15)};
  // Addresses remembered per account (the latest), and accounts remembered.
  std::size_t familiar_per_account = 8;
  std::size_t max_accounts = 100000;
};

// Limits password guesses twice: per client address, and per account across
// addresses, so that a botnet cannot try a password from each of its machines.
// The account limit spares the addresses the account's holder signed in from
// lately (Remember; AuthService loads them from auth.db at start), so that
// guessing at an account does not lock its owner out of the workstations they
// use; a new one waits for the window, or uses a login link from the admin.
// In-memory, cheap, thread-safe.
class SignInThrottle {
 public:
  struct Attempt {
    std::optional<std::chrono::seconds> refused_for;  // refused (and not counted)
    bool counted_for_account = false;
  };

  SignInThrottle(SignInThrottleOptions options, const Clock& clock);
  SignInThrottle(const SignInThrottle&) = delete;
  SignInThrottle& operator=(const SignInThrottle&) = delete;

  // Starts a password check for `account` from `address`, counted as failed
  // until Succeeded (see RateLimiter).
  Attempt Begin(std::string_view address, std::string_view account);
  // `attempt`, from Begin, had the right password: `address` becomes familiar.
  void Succeeded(std::string_view address, std::string_view account, const Attempt& attempt);
  // `account`'s holder signed in from `address_key` (an AddressKey): the latest
  // `familiar_per_account` such addresses are spared the account limit.
  void Remember(std::string_view account, std::string address_key);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  bool IsFamiliar(std::string_view account, std::string_view address_key) const;

  const SignInThrottleOptions options_;
  RateLimiter by_address_;
  std::optional<RateLimiter> by_account_;
  mutable std::mutex mutex_;
  // Oldest first. Past max_accounts an arbitrary account is forgotten.
  std::unordered_map<std::string, std::vector<std::string>, Hash, std::equal_to<>> familiar_;
};

}  // namespace tessera::auth
