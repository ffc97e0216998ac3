#include "config/config_file.h"

#include <sstream>
#include <string>
#include <variant>

#include "config/fields.h"

namespace tessera::config {

static std::string TomlString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string DefaultConfigFile(const Config& defaults) {
  Config config = defaults;
  std::ostringstream out;
  out << "# Tessera configuration. Every key can also be set with an environment variable\n"
         "# named TESSERA_<SECTION>_<KEY> (e.g. TESSERA_HTTP_LISTEN), which wins over this file.\n";
  std::string section;
  for (const auto& field : Fields()) {
    const auto dot = field.key.find('.');
    const std::string field_section =
        dot == std::string_view::npos ? "" : std::string(field.key.substr(0, dot));
    const auto name = dot == std::string_view::npos ? field.key : field.key.substr(dot + 1);
    if (field_section != section) {
      section = field_section;
      out << "\n[" << section << "]\n";
    }
    out << "\n# " << field.help << "\n" << name << " = ";
    std::visit(
        [&](auto ref) {
          const auto& value = ref(config);
          using T = std::remove_cvref_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out << TomlString(value);
          } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
            out << TomlString(value.string());
          } else if constexpr (std::is_same_v<T, bool>) {
            out << (value ? "true" : "false");
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            out << "[";
            for (std::size_t i = 0; i < value.size(); ++i) {
              out << (i ? ", " : "") << TomlString(value[i]);
            }
            out << "]";
          } else {
            out << static_cast<std::uint64_t>(value);
          }
        },
        field.ref);
    out << "\n";
  }
  out << "\n# Known DICOM peers (C-MOVE destinations, modalities that ask for storage commitment,\n"
         "# callers with more rights), e.g.\n"
         "# [[dicom.modalities]]\n"
         "# ae_title = \"WORKSTATION\"\n"
         "# host = \"192.168.1.20\"\n"
         "# port = 104\n"
         "# tls = false\n"
         "# allow = [\"echo\", \"store\", \"find\", \"move\", \"get\"]\n";
  for (const Modality& modality : config.dicom.modalities) {
    out << "\n[[dicom.modalities]]\nae_title = " << TomlString(modality.ae_title)
        << "\nhost = " << TomlString(modality.host) << "\nport = " << modality.port
        << "\ntls = " << (modality.tls ? "true" : "false") << "\nallow = [";
    for (std::size_t i = 0; i < modality.allow.size(); ++i) {
      out << (i ? ", " : "") << TomlString(modality.allow[i]);
    }
    out << "]\n";
  }
  return out.str();
}

}  // namespace tessera::config
