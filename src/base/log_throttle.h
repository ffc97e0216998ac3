#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "base/clock.h"

namespace tessera {

// Lets one line of a repeated log message through per period and counts the
// rest, so that a condition every request meets (a full disk, with a modality
// retrying) is told once a minute rather than flooding the log — which may be
// on that same disk. Thread-safe.
class LogThrottle {
 public:
  // `clock` (for tests) must outlive the object; null: the system clock.
  explicit LogThrottle(std::chrono::seconds period, const Clock* clock = nullptr)
      : period_(period), clock_(clock != nullptr ? *clock : system_clock_) {}
  LogThrottle(const LogThrottle&) = delete;
  LogThrottle& operator=(const LogThrottle&) = delete;

  // The number of lines held back since the last one let through, when this
  // one is to be logged; nullopt when it is to be held back.
  std::optional<std::uint64_t> Allow();

 private:
  const std::chrono::seconds period_;
  const SystemClock system_clock_;
  const Clock& clock_;
  std::mutex mutex_;
  std::optional<std::chrono::system_clock::time_point> last_;
  std::uint64_t held_back_ = 0;
};

}  // namespace tessera
