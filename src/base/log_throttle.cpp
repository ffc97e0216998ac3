#include "base/log_throttle.h"

#include <utility>

namespace tessera {

std::optional<std::uint64_t> LogThrottle::Allow() {
  const auto now = clock_.Now();
  std::lock_guard lock(mutex_);
  if (last_ && now - *last_ < period_) {
    ++held_back_;
    return std::nullopt;
  }
  last_ = now;
  return std::exchange(held_back_, 0);
}

}  // namespace tessera
