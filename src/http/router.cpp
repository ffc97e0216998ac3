#include "http/router.h"

#include <algorithm>
#include <cassert>

#include "base/strings.h"

namespace tessera::http {

namespace {

// "/a/b/c" -> {"a", "b", "c"}; "/" -> {""}. Segments are decoded already, and
// Request::ParseTarget guarantees none contains '/'.
std::vector<std::string_view> SplitPath(std::string_view path) {
  return Split(path.substr(1), '/');
}

}  // namespace

void Router::Add(Verb method, std::string pattern, Access access, Handler handler) {
  assert(pattern.starts_with('/') && "route patterns are absolute paths");
  Pattern compiled;
  const auto parts = SplitPath(pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    const bool is_capture = part.size() >= 2 && part.front() == '{' && part.back() == '}';
    if (!is_capture) {
      compiled.push_back({PatternSegment::Kind::kLiteral, std::string(part)});
      continue;
    }
    const std::string_view name = part.substr(1, part.size() - 2);
    if (name.starts_with('*')) {
      assert(i + 1 == parts.size() && "{*rest} must be the last segment");
      compiled.push_back({PatternSegment::Kind::kRest, std::string(name.substr(1))});
      continue;
    }
    compiled.push_back({PatternSegment::Kind::kCapture, std::string(name)});
  }
  routes_.push_back(Route{method, std::move(pattern), access, std::move(handler)});
  patterns_.push_back(std::move(compiled));
}

bool Router::Matches(const Pattern& pattern, const std::vector<std::string_view>& segments) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const PatternSegment& want = pattern[i];
    if (want.kind == PatternSegment::Kind::kRest) return i < segments.size();
    if (i >= segments.size()) return false;
    if (want.kind == PatternSegment::Kind::kCapture) {
      if (segments[i].empty()) return false;
      continue;
    }
    if (segments[i] != want.text) return false;
  }
  return pattern.size() == segments.size();
}

bool Router::MoreSpecific(const Pattern& a, const Pattern& b) {
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    // Kind order is literal < capture < rest: a smaller kind is more specific.
    if (a[i].kind != b[i].kind) return a[i].kind < b[i].kind;
  }
  return false;
}

Router::Match Router::Find(Verb method, std::string_view path) const {
  Match match;
  if (!path.starts_with('/')) return match;
  const auto segments = SplitPath(path);
  std::size_t best = routes_.size();
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!Matches(patterns_[i], segments)) continue;
    const Verb route_method = routes_[i].method;
    const bool serves =
        route_method == method || (method == Verb::head && route_method == Verb::get);
    if (!serves) {
      if (std::find(match.allowed.begin(), match.allowed.end(), route_method) ==
          match.allowed.end()) {
        match.allowed.push_back(route_method);
      }
      continue;
    }
    const bool better = best == routes_.size() || MoreSpecific(patterns_[i], patterns_[best]) ||
                        (!MoreSpecific(patterns_[best], patterns_[i]) &&
                         routes_[best].method != method && route_method == method);
    if (better) best = i;
  }
  if (best == routes_.size()) {
    const bool has_get =
        std::find(match.allowed.begin(), match.allowed.end(), Verb::get) != match.allowed.end();
    const bool has_head =
        std::find(match.allowed.begin(), match.allowed.end(), Verb::head) != match.allowed.end();
    if (has_get && !has_head) match.allowed.push_back(Verb::head);
    return match;
  }
  match.allowed.clear();
  match.route = &routes_[best];
  const Pattern& pattern = patterns_[best];
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i].kind == PatternSegment::Kind::kLiteral) continue;
    if (pattern[i].kind == PatternSegment::Kind::kCapture) {
      match.params.emplace_back(pattern[i].text, std::string(segments[i]));
      continue;
    }
    // The rest: every remaining segment, rejoined.
    std::string rest(segments[i]);
    for (std::size_t k = i + 1; k < segments.size(); ++k) rest.append("/").append(segments[k]);
    match.params.emplace_back(pattern[i].text, std::move(rest));
  }
  return match;
}

}  // namespace tessera::http
