#include "http/cors.h"

#include <algorithm>

#include "base/strings.h"

namespace tessera::http {

namespace {

using field = beast::http::field;

constexpr std::string_view kAllowedMethods = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
constexpr std::string_view kExposedHeaders =
    "Authorization, Content-Type, Content-Length, ETag, Warning, X-Total-Count, Location";
constexpr std::string_view kMaxAgeSeconds = "600";

// Glob match where '*' stands for one or more host characters. Both sides were
// validated to hold host characters only, so '*' cannot swallow a '/', '@' or ':'.
bool GlobMatch(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern.front() != '*') {
    return !text.empty() && text.front() == pattern.front() &&
           GlobMatch(pattern.substr(1), text.substr(1));
  }
  for (std::size_t taken = 1; taken <= text.size(); ++taken) {
    if (GlobMatch(pattern.substr(1), text.substr(taken))) return true;
  }
  return false;
}

// A header list we are willing to echo: tokens, commas and spaces only.
bool IsHeaderList(std::string_view list) {
  return std::all_of(list.begin(), list.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == ',' || c == ' ';
  });
}

}  // namespace

CorsPolicy::CorsPolicy(CorsOptions options) {
  for (const std::string& entry : options.allowed_origins) {
    const std::string_view text = Trim(entry);
    if (text == "*") {
      allow_any_ = true;
      continue;
    }
    if (text == "null") {
      allow_null_ = true;
      continue;
    }
    // Validated with the configuration (IsAllowedOriginEntry): nothing is dropped here.
    if (auto pattern = ParseOrigin(text, /*allow_wildcards=*/true)) {
      patterns_.push_back(std::move(*pattern));
    }
  }
}

bool CorsPolicy::Matches(const OriginParts& pattern, const OriginParts& origin) {
  if (pattern.scheme != origin.scheme) return false;
  if (pattern.port != "*" && pattern.port != origin.port) return false;
  return GlobMatch(pattern.host, origin.host);
}

bool CorsPolicy::IsAllowed(std::string_view origin) const {
  if (origin == "null") return allow_null_;
  const auto parts = ParseOrigin(origin, /*allow_wildcards=*/false);
  if (!parts) return false;
  if (allow_any_) return true;
  return std::any_of(patterns_.begin(), patterns_.end(),
                     [&](const OriginParts& pattern) { return Matches(pattern, *parts); });
}

CorsPolicy::Verdict CorsPolicy::Evaluate(std::string_view origin,
                                         std::string_view own_origin) const {
  if (origin.empty()) return Verdict::kNoOrigin;
  const auto parts = ParseOrigin(origin, /*allow_wildcards=*/false);
  if (parts && parts == ParseOrigin(own_origin, /*allow_wildcards=*/false)) {
    return Verdict::kSameOrigin;
  }
  return IsAllowed(origin) ? Verdict::kAllowed : Verdict::kRefused;
}

CorsPolicy::Verdict CorsPolicy::Evaluate(const Request& request) const {
  const std::string_view origin = request.header("Origin");
  if (origin.empty()) return Verdict::kNoOrigin;
  return Evaluate(origin, request.Origin());
}

bool CorsPolicy::IsPreflight(const Request& request) {
  return request.method() == Verb::options &&
         !request.header("Access-Control-Request-Method").empty();
}

Response CorsPolicy::PreflightResponse(const Request& request) {
  Response response = Response::Empty(HttpStatus::no_content);
  Fields& headers = response.headers;
  headers.set(field::access_control_allow_origin, request.header("Origin"));
  headers.set(field::access_control_allow_methods, kAllowedMethods);
  const std::string_view requested = request.header("Access-Control-Request-Headers");
  if (!requested.empty() && IsHeaderList(requested)) {
    headers.set(field::access_control_allow_headers, requested);
  }
  headers.set(field::access_control_allow_credentials, "true");
  headers.set(field::access_control_max_age, kMaxAgeSeconds);
  headers.set(field::vary, "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  return response;
}

void CorsPolicy::AddResponseHeaders(std::string_view origin, Fields& headers) {
  headers.set(field::access_control_allow_origin, origin);
  headers.set(field::access_control_allow_credentials, "true");
  headers.set(field::access_control_expose_headers, kExposedHeaders);
  AddVary(headers, "Origin");
}

Response CorsPolicy::Refusal() {
  return Response::Error(HttpStatus::forbidden, "Origin not allowed");
}

}  // namespace tessera::http
