#pragma once

#include <chrono>

namespace tessera {

// Wall-clock time source, injected so that token expiry and similar rules can be
// tested without sleeping. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace tessera
