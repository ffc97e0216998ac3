#include "http/etag.h"

#include "base/strings.h"

namespace tessera::http {

bool EtagListMatches(std::string_view if_none_match, std::string_view etag) {
  for (std::string_view candidate : Split(if_none_match, ',')) {
    candidate = Trim(candidate);
    if (candidate == "*") return true;
    if (candidate.starts_with("W/")) candidate.remove_prefix(2);
    if (candidate == etag) return true;
  }
  return false;
}

}  // namespace tessera::http
