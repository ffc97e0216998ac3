#include "auth/rate_limiter.h"

#include <algorithm>
#include <cstring>

#include <arpa/inet.h>

namespace tessera::auth {

std::string AddressKey(std::string_view address) {
  if (address.find(':') == std::string_view::npos) return std::string(address);
  const std::string text(address);
  in6_addr ip{};
  if (inet_pton(AF_INET6, text.c_str(), &ip) != 1) return text;
  if (IN6_IS_ADDR_V4MAPPED(&ip)) {
    char v4[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &ip.s6_addr[12], v4, sizeof(v4));
    return v4;
  }
  std::memset(&ip.s6_addr[8], 0, 8);
  char prefix[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &ip, prefix, sizeof(prefix));
  return std::string(prefix) + "/64";
}

std::optional<std::chrono::seconds> RateLimiter::Begin(std::string_view key) {
  const auto now = clock_.Now();
  std::lock_guard lock(mutex_);
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    MakeRoomLocked(now);
    it = windows_.emplace(std::string(key), Window{now, 0}).first;
  }
  Window& window = it->second;
  const auto end = window.start + options_.window;
  if (now >= end) {
    window = Window{now, 0};
  } else if (window.failures >= options_.max_failures) {
    const auto left = std::chrono::ceil<std::chrono::seconds>(end - now);
    return std::max(left, std::chrono::seconds(1));
  }
  ++window.failures;
  return std::nullopt;
}

void RateLimiter::Succeeded(std::string_view key) {
  std::lock_guard lock(mutex_);
  const auto it = windows_.find(key);
  if (it == windows_.end()) return;  // evicted meanwhile
  // A window that restarted since Begin may not hold the attempt: never below 0.
  if (it->second.failures > 0) --it->second.failures;
  if (it->second.failures == 0) windows_.erase(it);
}

void RateLimiter::MakeRoomLocked(std::chrono::system_clock::time_point now) {
  if (windows_.size() < options_.max_tracked) return;
  std::erase_if(windows_,
                [&](const auto& entry) { return now >= entry.second.start + options_.window; });
  if (windows_.size() < options_.max_tracked) return;
  const auto oldest = std::min_element(
      windows_.begin(), windows_.end(),
      [](const auto& a, const auto& b) { return a.second.start < b.second.start; });
  windows_.erase(oldest);
}

}  // namespace tessera::auth
