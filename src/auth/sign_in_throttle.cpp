#include "auth/sign_in_throttle.h"

#include <algorithm>

namespace tessera::auth {

SignInThrottle::SignInThrottle(SignInThrottleOptions options, const Clock& clock)
    : options_(options), by_address_(options.per_address, clock) {
  if (options.per_account) by_account_.emplace(*options.per_account, clock);
}

SignInThrottle::Attempt SignInThrottle::Begin(std::string_view address, std::string_view account) {
  const std::string address_key = AddressKey(address);
  Attempt attempt;
  attempt.counted_for_account = by_account_ && !IsFamiliar(account, address_key);
  if (attempt.counted_for_account) {
    attempt.refused_for = by_account_->Begin(account);
    if (attempt.refused_for) return attempt;
  }
  attempt.refused_for = by_address_.Begin(address_key);
  // Refused here: not an attempt at the account either.
  if (attempt.refused_for && attempt.counted_for_account) by_account_->Succeeded(account);
  return attempt;
}

void SignInThrottle::Succeeded(std::string_view address, std::string_view account,
                               const Attempt& attempt) {
  std::string address_key = AddressKey(address);
  by_address_.Succeeded(address_key);
  if (attempt.counted_for_account) by_account_->Succeeded(account);
  Remember(account, std::move(address_key));
}

bool SignInThrottle::IsFamiliar(std::string_view account, std::string_view address_key) const {
  std::lock_guard lock(mutex_);
  const auto it = familiar_.find(account);
  return it != familiar_.end() &&
         std::find(it->second.begin(), it->second.end(), address_key) != it->second.end();
}

void SignInThrottle::Remember(std::string_view account, std::string address_key) {
  std::lock_guard lock(mutex_);
  auto it = familiar_.find(account);
  if (it == familiar_.end()) {
    // Only sign-ins add accounts, so this bound is rarely reached; when it is,
    // forgetting some account's addresses only costs its owner the exemption.
    if (familiar_.size() >= options_.max_accounts) familiar_.erase(familiar_.begin());
    it = familiar_.emplace(std::string(account), std::vector<std::string>{}).first;
  }
  auto& addresses = it->second;
  std::erase(addresses, address_key);
  if (addresses.size() >= options_.familiar_per_account) addresses.erase(addresses.begin());
  addresses.push_back(std::move(address_key));
}

}  // namespace tessera::auth
