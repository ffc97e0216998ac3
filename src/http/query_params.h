#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace tessera::http {

// The parameters of a URL query string in the order received, names and values
// percent-decoded ('+' is a space). Repeated names are kept. Immutable after Parse.
class QueryParams {
 public:
  using Item = std::pair<std::string, std::string>;

  QueryParams() = default;
  explicit QueryParams(std::vector<Item> items) : items_(std::move(items)) {}

  // Errors: kInvalidArgument for a malformed %-escape.
  static Result<QueryParams> Parse(std::string_view query);

  // The first value of `name`, if present.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string_view> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }

  const std::vector<Item>& items() const { return items_; }

 private:
  std::vector<Item> items_;
};

}  // namespace tessera::http
