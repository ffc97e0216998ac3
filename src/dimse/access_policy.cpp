#include "dimse/access_policy.h"

#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include "base/strings.h"

namespace tessera::dimse {
namespace {

// AE titles are compared without their insignificant leading and trailing spaces.
std::string_view TrimAe(std::string_view ae) { return Trim(ae); }

// The canonical text of a numeric address ("::ffff:10.0.0.1" becomes "10.0.0.1"),
// or nullopt when `text` is not a numeric address.
std::optional<std::string> CanonicalAddress(std::string_view text) {
  const std::string host(text);
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    std::array<char, INET_ADDRSTRLEN> out{};
    inet_ntop(AF_INET, &v4, out.data(), out.size());
    return std::string(out.data());
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, &v6.s6_addr[12], sizeof(v4));
    std::array<char, INET_ADDRSTRLEN> out{};
    inet_ntop(AF_INET, &v4, out.data(), out.size());
    return std::string(out.data());
  }
  std::array<char, INET6_ADDRSTRLEN> out{};
  inet_ntop(AF_INET6, &v6, out.data(), out.size());
  return std::string(out.data());
}

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

// Every address `name` resolves to, canonical.
std::vector<std::string> Resolve(std::string_view name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  if (getaddrinfo(std::string(name).c_str(), nullptr, &hints, &raw) != 0) return {};
  const std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  std::vector<std::string> addresses;
  for (const addrinfo* info = list.get(); info != nullptr; info = info->ai_next) {
    std::array<char, INET6_ADDRSTRLEN> out{};
    const void* address =
        info->ai_family == AF_INET
            ? static_cast<const void*>(
                  &reinterpret_cast<const sockaddr_in*>(info->ai_addr)->sin_addr)
            : static_cast<const void*>(
                  &reinterpret_cast<const sockaddr_in6*>(info->ai_addr)->sin6_addr);
    if (inet_ntop(info->ai_family, address, out.data(), out.size()) == nullptr) continue;
    if (auto canonical = CanonicalAddress(out.data())) addresses.push_back(std::move(*canonical));
  }
  return addresses;
}

}  // namespace

AccessPolicy::AccessPolicy(const DimseOptions& options)
    : ae_title_(TrimAe(options.ae_title)),
      check_called_ae_title_(options.check_called_ae_title),
      check_calling_host_(options.check_calling_host),
      unknown_callers_allow_(options.unknown_callers_allow),
      peers_(options.peers) {}

AccessDecision AccessPolicy::Decide(std::string_view calling_ae, std::string_view called_ae,
                                    std::string_view peer_address) const {
  AccessDecision decision;
  if (check_called_ae_title_ && TrimAe(called_ae) != ae_title_) {
    decision.refusal = Refusal::kCalledAeTitle;
    return decision;
  }
  const std::string_view caller = TrimAe(calling_ae);
  // PS3.8 requires a calling AE title; DCMTK cannot even acknowledge without one.
  if (caller.empty()) {
    decision.refusal = Refusal::kCallingAeTitle;
    return decision;
  }
  for (const KnownPeer& peer : peers_) {
    if (TrimAe(peer.ae_title) != caller) continue;
    decision.known = true;
    if (check_calling_host_ && !HostMatches(peer.host, peer_address)) {
      continue;  // the AE title is known, but not from this host
    }
    decision.allowed.insert(peer.allowed.begin(), peer.allowed.end());
  }
  if (!decision.known) decision.allowed = unknown_callers_allow_;
  if (decision.allowed.empty()) decision.refusal = Refusal::kCallingAeTitle;
  return decision;
}

const KnownPeer* AccessPolicy::FindPeer(std::string_view ae_title) const {
  const std::string_view wanted = TrimAe(ae_title);
  for (const KnownPeer& peer : peers_) {
    if (TrimAe(peer.ae_title) == wanted) return &peer;
  }
  return nullptr;
}

bool AccessPolicy::HostMatches(std::string_view configured_host, std::string_view peer_address) {
  const auto peer = CanonicalAddress(peer_address);
  if (!peer) return false;
  if (const auto configured = CanonicalAddress(configured_host)) return *configured == *peer;
  for (const std::string& address : Resolve(configured_host)) {
    if (address == *peer) return true;
  }
  return false;
}

}  // namespace tessera::dimse
