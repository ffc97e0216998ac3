#pragma once

#include <chrono>
#include <cstddef>
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
  // Failed attempts at one account from addresses that have not signed in to
  // it: guesses spread over many addresses.
  RateLimitOptions per_account{30, std::chrono::minutes(15), 100000};
  // Addresses remembered per account (the latest), and accounts remembered.
  std::size_t familiar_per_account = 8;
  std::size_t max_accounts = 100000;
};

// Limits password guesses twice: per client address, and per account across
// addresses, so that a botnet cannot try a password from each of its machines.
// The account limit spares addresses that have signed in to that account since
// start-up (each account's latest few), so that guessing at an account does
// not lock its owner out of the workstations they use; new ones wait for the
// window, or use a login link from the admin.
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
  // `attempt`, from Begin, had the right password.
  void Succeeded(std::string_view address, std::string_view account, const Attempt& attempt);

 private:
  bool IsFamiliar(std::string_view account, std::string_view address_key) const;
  void RememberFamiliar(std::string_view account, std::string address_key);

  const SignInThrottleOptions options_;
  RateLimiter by_address_;
  RateLimiter by_account_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<std::string>> familiar_;  // oldest first
};

}  // namespace tessera::auth
