#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dimse/dimse_options.h"

namespace tessera::dimse {

// Why an association is refused before its presentation contexts are looked at.
enum class Refusal {
  kNone,
  kCalledAeTitle,   // the caller addressed another AE title (check_called_ae_title)
  kCallingAeTitle,  // a known AE title calling from the wrong host, or a caller allowed nothing
};

struct AccessDecision {
  Refusal refusal = Refusal::kNone;
  bool known = false;           // the calling AE title is a configured peer
  std::set<Operation> allowed;  // what the caller may do (empty when refused)
};

// Decides who may do what: the called AE title check, known peers (optionally
// bound to their host) with their allowed operations, and the default for
// unknown callers. Immutable after construction; thread-safe.
class AccessPolicy {
 public:
  explicit AccessPolicy(const DimseOptions& options);

  // The decision for an association request. `peer_address` is the caller's
  // numeric IP address. A caller allowed no operation at all is refused with
  // kCallingAeTitle. Host names of peers are resolved on each call (only when
  // check_calling_host is on and the caller is known).
  AccessDecision Decide(std::string_view calling_ae, std::string_view called_ae,
                        std::string_view peer_address) const;

  // The configured peer with this AE title (a C-MOVE destination), or nullptr.
  const KnownPeer* FindPeer(std::string_view ae_title) const;

  // True when `configured_host` (a name or address) denotes `peer_address`;
  // IPv4-mapped IPv6 addresses compare equal to their IPv4 form.
  static bool HostMatches(std::string_view configured_host, std::string_view peer_address);

 private:
  std::string ae_title_;
  bool check_called_ae_title_;
  bool check_calling_host_;
  std::set<Operation> unknown_callers_allow_;
  std::vector<KnownPeer> peers_;
};

}  // namespace tessera::dimse
