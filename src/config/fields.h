#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "config/config.h"

namespace tessera::config {

// Each configurable scalar is one row here: its key, its help text (written into
// the default file) and where it lives in Config. Loading from TOML, from the
// environment and writing the default file all walk this one table.
using StringRef = std::string& (*)(Config&);
using PathRef = std::filesystem::path& (*)(Config&);
using BoolRef = bool& (*)(Config&);
using U16Ref = std::uint16_t& (*)(Config&);
using U32Ref = std::uint32_t& (*)(Config&);
using U64Ref = std::uint64_t& (*)(Config&);
using ListRef = std::vector<std::string>& (*)(Config&);
using FieldRef = std::variant<StringRef, PathRef, BoolRef, U16Ref, U32Ref, U64Ref, ListRef>;

struct Field {
  std::string_view key;
  std::string_view help;
  FieldRef ref;
};

// Every configurable scalar, in the order the default file lists them.
const std::vector<Field>& Fields();

// The field for a dotted key ("http.listen"), or nullptr.
const Field* FindField(std::string_view key);

// kInvalidArgument with a message that starts with the key: "http.listen: ...".
Error KeyError(std::string_view key, std::string message);

}  // namespace tessera::config
