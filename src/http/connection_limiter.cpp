#include "http/connection_limiter.h"

#include <utility>

namespace tessera::http {
namespace {

// The bytes a client is counted under: its IPv4 address (also when it comes
// mapped into IPv6, on a dual-stack listener), or its IPv6 /64.
std::string KeyOf(const boost::asio::ip::address& client) {
  if (client.is_v6() && !client.to_v6().is_v4_mapped()) {
    const auto bytes = client.to_v6().to_bytes();
    return std::string(bytes.begin(), bytes.begin() + 8);
  }
  const auto v4 =
      client.is_v4() ? client.to_v4()
                     : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, client.to_v6());
  const auto bytes = v4.to_bytes();
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

ConnectionLimiter::Ticket::Ticket(Ticket&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)), key_(std::move(other.key_)) {}

ConnectionLimiter::Ticket::~Ticket() {
  if (limiter_ != nullptr) limiter_->Release(key_);
}

std::optional<ConnectionLimiter::Ticket> ConnectionLimiter::TryAdmit(
    const boost::asio::ip::address& client) {
  std::string key = KeyOf(client);
  const std::lock_guard lock(mutex_);
  if (total_ >= max_total_) return std::nullopt;
  std::size_t& from_client = per_address_[key];
  if (from_client >= max_per_address_) return std::nullopt;
  ++from_client;
  ++total_;
  return Ticket(*this, std::move(key));
}

std::size_t ConnectionLimiter::live() const {
  const std::lock_guard lock(mutex_);
  return total_;
}

void ConnectionLimiter::Release(const std::string& key) {
  const std::lock_guard lock(mutex_);
  --total_;
  const auto it = per_address_.find(key);
  if (--it->second == 0) per_address_.erase(it);
}

}  // namespace tessera::http
