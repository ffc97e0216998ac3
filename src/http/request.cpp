#include "http/request.h"

#include <algorithm>
#include <array>

#include "base/strings.h"

namespace tessera::http {

namespace {

// Query parameters whose values are credentials and never reach a log.
constexpr std::array<std::string_view, 8> kSecretParameters = {
    "token",    "access_token", "refresh_token", "id_token",
    "password", "code",         "state",         "client_secret",
};

bool IsSecretParameter(std::string_view raw_name) {
  const auto decoded = PercentDecode(raw_name, /*plus_is_space=*/true);
  const std::string name = ToLowerAscii(decoded ? std::string_view(*decoded) : raw_name);
  return std::find(kSecretParameters.begin(), kSecretParameters.end(), name) !=
         kSecretParameters.end();
}

// A Host header we are willing to echo into absolute URLs: host name, IPv4,
// bracketed IPv6, optional port. Anything else could inject into Location headers.
bool IsPlausibleHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
  });
}

// Strips "scheme://authority" from an absolute-form target (RFC 9112 3.2.2).
std::optional<std::string_view> OriginForm(std::string_view target) {
  if (target.starts_with('/')) return target;
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (!IStartsWith(target, scheme)) continue;
    const auto slash = target.find('/', scheme.size());
    if (slash == std::string_view::npos) return std::string_view("/");
    return target.substr(slash);
  }
  return std::nullopt;
}

}  // namespace

Request::Request(Verb method, std::string method_string, std::string target, Fields headers,
                 std::string remote_address, bool secure, BodyReader& body)
    : method_(method),
      method_string_(std::move(method_string)),
      target_(std::move(target)),
      headers_(std::move(headers)),
      remote_address_(std::move(remote_address)),
      secure_(secure),
      body_(body) {}

Status Request::ParseTarget() {
  const auto origin_form = OriginForm(target_);
  if (!origin_form) return Fail(ErrorCode::kInvalidArgument, "request target is not origin-form");
  const std::string_view raw = *origin_form;
  const auto question = raw.find('?');
  const std::string_view raw_path = raw.substr(0, question);
  const std::string_view raw_query =
      question == std::string_view::npos ? std::string_view{} : raw.substr(question + 1);

  // Split before decoding: an encoded "%2F" must never become a separator, and no
  // segment may walk up the tree.
  std::string path;
  path.reserve(raw_path.size());
  for (const std::string_view segment : Split(raw_path.substr(1), '/')) {
    auto decoded = PercentDecode(segment);
    if (!decoded) return Fail(ErrorCode::kInvalidArgument, "malformed %-escape in path");
    const bool unsafe = *decoded == "." || *decoded == ".." ||
                        decoded->find_first_of(std::string_view("/\0", 2)) != std::string::npos;
    if (unsafe) return Fail(ErrorCode::kInvalidArgument, "path segment not allowed");
    path.push_back('/');
    path.append(*decoded);
  }
  auto query = QueryParams::Parse(raw_query);
  if (!query) return std::move(query).error();
  path_ = std::move(path);
  query_ = std::move(*query);
  return Ok();
}

std::string Request::RedactedTarget() const {
  const auto question = target_.find('?');
  if (question == std::string::npos) return target_;
  std::string out = target_.substr(0, question + 1);
  bool first = true;
  for (const std::string_view pair : Split(std::string_view(target_).substr(question + 1), '&')) {
    if (!first) out.push_back('&');
    first = false;
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos || !IsSecretParameter(pair.substr(0, equals))) {
      out.append(pair);
      continue;
    }
    out.append(pair.substr(0, equals)).append("=***");
  }
  return out;
}

std::string_view Request::header(std::string_view name) const { return headers_[name]; }

std::string_view Request::param(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

std::string Request::Origin() const {
  const std::string_view host = header("Host");
  std::string origin = secure_ ? "https://" : "http://";
  origin.append(IsPlausibleHost(host) ? host : std::string_view("localhost"));
  return origin;
}

Awaitable<Result<std::string>> ReadAll(BodyReader& body, std::size_t max_bytes) {
  std::string out;
  if (const auto length = body.content_length()) {
    if (*length > max_bytes) co_return Fail(ErrorCode::kTooLarge, "request body too large");
    out.resize(static_cast<std::size_t>(*length));
  }
  std::size_t size = 0;
  for (;;) {
    if (size == out.size()) {
      if (size > max_bytes) co_return Fail(ErrorCode::kTooLarge, "request body too large");
      out.resize(std::max<std::size_t>(4096, std::min(size * 2, max_bytes + 1)));
    }
    auto n = co_await body.Read(std::span<char>(out.data() + size, out.size() - size));
    if (!n) co_return std::move(n).error();
    if (*n == 0) break;
    size += *n;
  }
  if (size > max_bytes) co_return Fail(ErrorCode::kTooLarge, "request body too large");
  out.resize(size);
  co_return out;
}

}  // namespace tessera::http
