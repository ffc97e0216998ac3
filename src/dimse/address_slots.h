#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace tessera::dimse {

// Counts the connections served per caller address, up to a limit each.
// Thread-safe.
class AddressSlots {
 public:
  explicit AddressSlots(std::size_t per_address) : per_address_(per_address) {}

  // Takes a slot for `address`; false when it holds the limit already.
  bool TryTake(const std::string& address) {
    std::lock_guard lock(mutex_);
    std::size_t& taken = taken_[address];
    if (taken >= per_address_) return false;
    ++taken;
    return true;
  }

  // Gives back a slot TryTake took.
  void Release(const std::string& address) {
    std::lock_guard lock(mutex_);
    const auto it = taken_.find(address);
    if (it == taken_.end()) return;
    if (--it->second == 0) taken_.erase(it);
  }

 private:
  const std::size_t per_address_;
  std::mutex mutex_;
  std::map<std::string, std::size_t> taken_;
};

}  // namespace tessera::dimse
