#include "http/media_type.h"

#include <algorithm>
#include <charconv>

#include "base/strings.h"

namespace tessera::http {

namespace {

// tchar of RFC 9110 5.6.2.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Reads a quoted-string starting after the opening quote at text[pos]; returns
// the unescaped value and leaves pos after the closing quote (or at the end).
std::string ReadQuoted(std::string_view text, std::size_t& pos) {
  std::string value;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (c == '"') return value;
    if (c == '\\' && pos < text.size()) {
      value.push_back(text[pos++]);
      continue;
    }
    value.push_back(c);
  }
  return value;
}

// Parses a q-value ("0", "0.5", "1.000", lenient ".5"); nullopt when malformed.
std::optional<double> ParseQuality(std::string_view text) {
  text = Trim(text);
  double value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (value < 0 || value > 1) return std::nullopt;
  return value;
}

// Splits a header list on commas outside quoted strings.
std::vector<std::string_view> SplitList(std::string_view text) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '\\') {
      ++i;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (c != ',' || quoted) continue;
    items.push_back(text.substr(start, i - start));
    start = i + 1;
  }
  items.push_back(text.substr(start));
  return items;
}

}  // namespace

std::optional<std::string_view> MediaType::Parameter(std::string_view name) const {
  for (const auto& [key, value] : parameters) {
    if (IEquals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::string MediaType::Essence() const {
  std::string essence;
  essence.reserve(type.size() + 1 + subtype.size());
  essence.append(type).append(1, '/').append(subtype);
  return essence;
}

bool MediaType::Is(std::string_view want_type, std::string_view want_subtype) const {
  return IEquals(type, want_type) && IEquals(subtype, want_subtype);
}

bool MediaType::IsJson() const {
  if (type != "application") return false;
  return subtype == "json" || subtype.ends_with("+json");
}

std::vector<std::pair<std::string, std::string>> ParseParameters(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> parameters;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && (IsSpace(text[pos]) || text[pos] == ';')) ++pos;
    const std::size_t name_start = pos;
    while (pos < text.size() && text[pos] != '=' && text[pos] != ';') ++pos;
    std::string name = ToLowerAscii(Trim(text.substr(name_start, pos - name_start)));
    std::string value;
    if (pos < text.size() && text[pos] == '=') {
      ++pos;
      while (pos < text.size() && IsSpace(text[pos])) ++pos;
      if (pos < text.size() && text[pos] == '"') {
        ++pos;
        value = ReadQuoted(text, pos);
        while (pos < text.size() && text[pos] != ';') ++pos;
      } else {
        const std::size_t value_start = pos;
        while (pos < text.size() && text[pos] != ';') ++pos;
        value = std::string(Trim(text.substr(value_start, pos - value_start)));
      }
    }
    if (name.empty()) continue;
    parameters.emplace_back(std::move(name), std::move(value));
  }
  return parameters;
}

Result<MediaType> ParseMediaType(std::string_view text) {
  text = Trim(text);
  const std::size_t semicolon = std::min(text.find(';'), text.size());
  const std::string_view essence = Trim(text.substr(0, semicolon));
  // A bare "*" (sent by some Java clients) means "*/*".
  const std::string_view full = essence == "*" ? std::string_view("*/*") : essence;
  const auto slash = full.find('/');
  if (slash == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "media type without a subtype");
  }
  const std::string_view type = Trim(full.substr(0, slash));
  const std::string_view subtype = Trim(full.substr(slash + 1));
  if (!IsToken(type) || !IsToken(subtype)) {
    return Fail(ErrorCode::kInvalidArgument, "malformed media type");
  }
  MediaType media_type;
  media_type.type = ToLowerAscii(type);
  media_type.subtype = ToLowerAscii(subtype);
  media_type.parameters = ParseParameters(text.substr(semicolon));
  return media_type;
}

std::size_t MediaRange::Specificity() const {
  std::size_t score = media_type.parameters.size();
  if (media_type.type != "*") ++score;
  if (media_type.subtype != "*") ++score;
  return score;
}

bool MediaRange::Covers(const MediaType& candidate) const {
  if (media_type.type == "*") return true;
  if (!IEquals(media_type.type, candidate.type)) return false;
  return media_type.subtype == "*" || IEquals(media_type.subtype, candidate.subtype);
}

std::vector<MediaRange> ParseAccept(std::string_view header) {
  std::vector<MediaRange> ranges;
  for (const std::string_view item : SplitList(header)) {
    if (Trim(item).empty()) continue;
    auto media_type = ParseMediaType(item);
    if (!media_type) continue;
    MediaRange range;
    range.position = ranges.size();
    auto& parameters = media_type->parameters;
    const auto q = std::find_if(parameters.begin(), parameters.end(),
                                [](const auto& parameter) { return parameter.first == "q"; });
    if (q != parameters.end()) {
      range.quality = ParseQuality(q->second).value_or(1.0);
      // Whatever follows q is an accept-extension, not a media type parameter.
      parameters.erase(q, parameters.end());
    }
    range.media_type = std::move(*media_type);
    ranges.push_back(std::move(range));
  }
  std::stable_sort(ranges.begin(), ranges.end(), [](const MediaRange& a, const MediaRange& b) {
    if (a.quality != b.quality) return a.quality > b.quality;
    return a.Specificity() > b.Specificity();
  });
  return ranges;
}

}  // namespace tessera::http
