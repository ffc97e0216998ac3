#include "auth/url_origin.h"

#include "base/origin.h"
#include "base/strings.h"

namespace tessera::auth {

std::optional<std::string> OriginOf(std::string_view url) {
  if (!IStartsWith(url, "https://") && !IStartsWith(url, "http://")) return std::nullopt;
  const auto authority_end = url.find_first_of("/?#\\", url.find("://") + 3);
  const auto origin = ParseOrigin(url.substr(0, authority_end), /*allow_wildcards=*/false);
  if (!origin) return std::nullopt;
  return origin->Serialize();
}

}  // namespace tessera::auth
