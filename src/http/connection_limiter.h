#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace tessera::http {

// Caps the connections a server holds, in total and per client address, so that
// one client cannot use up the process's descriptors and lock everyone else out.
// IPv6 clients are counted per /64, the block one host usually has to itself.
// Thread-safe.
class ConnectionLimiter {
 public:
  // One admitted connection; gives its place back when destroyed. Move-only.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket();

   private:
    friend class ConnectionLimiter;
    Ticket(ConnectionLimiter& limiter, std::string key)
        : limiter_(&limiter), key_(std::move(key)) {}
    ConnectionLimiter* limiter_;  // null once moved from
    std::string key_;
  };

  // REQUIRES: both limits > 0. The limiter must outlive its tickets.
  ConnectionLimiter(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  // A ticket for one more connection from `client`, or nullopt when either
  // limit is reached.
  std::optional<Ticket> TryAdmit(const boost::asio::ip::address& client);

  std::size_t live() const;

 private:
  void Release(const std::string& key);

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;  // key: address bytes
};

}  // namespace tessera::http
