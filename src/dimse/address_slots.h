#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include <arpa/inet.h>

namespace tessera::dimse {

// Counts the connections served per caller address, up to a limit each. IPv6
// callers count per /64 network, which one host usually has to itself (as the
// HTTP server counts them). Thread-safe.
class AddressSlots {
 public:
  explicit AddressSlots(std::size_t per_address) : per_address_(per_address) {}

  // Takes a slot for `address` (numeric); false when it holds the limit already.
  bool TryTake(const std::string& address) {
    std::lock_guard lock(mutex_);
    std::size_t& taken = taken_[Key(address)];
    if (taken >= per_address_) return false;
    ++taken;
    return true;
  }

  // Gives back a slot TryTake took.
  void Release(const std::string& address) {
    std::lock_guard lock(mutex_);
    const auto it = taken_.find(Key(address));
    if (it == taken_.end()) return;
    if (--it->second == 0) taken_.erase(it);
  }

 private:
  static std::string Key(const std::string& address) {
    in6_addr v6{};
    if (::inet_pton(AF_INET6, address.c_str(), &v6) != 1) return address;
    std::fill(v6.s6_addr + 8, v6.s6_addr + 16, 0);
    char text[INET6_ADDRSTRLEN] = {};
    return std::string(::inet_ntop(AF_INET6, &v6, text, sizeof text)) + "/64";
  }

  const std::size_t per_address_;
  std::mutex mutex_;
  std::map<std::string, std::size_t> taken_;
};

}  // namespace tessera::dimse
