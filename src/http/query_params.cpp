#include "http/query_params.h"

#include "base/strings.h"

namespace tessera::http {

Result<QueryParams> QueryParams::Parse(std::string_view query) {
  std::vector<Item> items;
  for (const std::string_view pair : Split(query, '&')) {
    if (pair.empty()) continue;
    const auto equals = pair.find('=');
    const std::string_view raw_name = pair.substr(0, equals);
    const std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
    auto name = PercentDecode(raw_name, /*plus_is_space=*/true);
    auto value = PercentDecode(raw_value, /*plus_is_space=*/true);
    if (!name || !value) return Fail(ErrorCode::kInvalidArgument, "malformed %-escape in query");
    items.emplace_back(std::move(*name), std::move(*value));
  }
  return QueryParams(std::move(items));
}

std::optional<std::string_view> QueryParams::Get(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> QueryParams::GetAll(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : items_) {
    if (key == name) values.emplace_back(value);
  }
  return values;
}

}  // namespace tessera::http
