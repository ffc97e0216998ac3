#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace tessera::auth {

struct RateLimitOptions {
  // Failed password attempts allowed per key within `window`.
  int max_failures = 10;
  std::chrono::seconds window{15 * 60};
  // Bound on tracked keys; past it, expired entries are dropped and, if still
  // full, the oldest window goes first.
  std::size_t max_tracked = 100000;
};

// A client address as a rate-limiting key: IPv6 clients usually own a whole
// /64, so they count per /64; an IPv4-mapped IPv6 address is its IPv4 address;
// anything else (IPv4, a name) is used as is.
std::string AddressKey(std::string_view address);

// Counts failed password attempts of one kind per key (a client's AddressKey,
// an account) in fixed windows. Once a key reaches `max_failures`, it is
// refused until its window ends. An attempt counts as
// failed from the moment it starts, so that parallel attempts cannot overtake
// the count while their passwords are being checked; a success takes back only
// its own attempt, so that signing in to one account does not reset guesses at
// another.
// In-memory, cheap, thread-safe.
class RateLimiter {
 public:
  RateLimiter(RateLimitOptions options, const Clock& clock) : options_(options), clock_(clock) {}
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Starts an attempt for `key`, counted as failed. Nullopt when it may go
  // ahead; else it is refused (and not counted), with how long until one may
  // (at least 1 s).
  std::optional<std::chrono::seconds> Begin(std::string_view key);
  // The attempt that Begin counted had the right password (or is taken back).
  void Succeeded(std::string_view key);

 private:
  struct Window {
    std::chrono::system_clock::time_point start;
    int failures = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void MakeRoomLocked(std::chrono::system_clock::time_point now);

  const RateLimitOptions options_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Window, Hash, std::equal_to<>> windows_;
};

}  // namespace tessera::auth
