#pragma once

#include <string>
#include <string_view>

namespace tessera {

// Appends `text` to `out` as a JSON string literal, quotes included: '"', '\'
// and control characters escaped, valid UTF-8 passed through and each invalid
// sequence replaced by U+FFFD (as nlohmann::json's error_handler_t::replace
// does), so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace tessera
