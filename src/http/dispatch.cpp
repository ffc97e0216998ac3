#include "http/dispatch.h"

#include <ctime>
#include <exception>

#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "http/gzip.h"

namespace tessera::http {

namespace {

using field = beast::http::field;

std::string AllowHeader(const std::vector<Verb>& methods) {
  std::string allow;
  for (const Verb method : methods) {
    allow.append(beast::http::to_string(method)).append(", ");
  }
  return allow.append("OPTIONS");
}

bool HasNoBody(HttpStatus status) {
  const auto code = static_cast<unsigned>(status);
  return code < 200 || status == HttpStatus::no_content || status == HttpStatus::not_modified;
}

// A strong entity tag names one exact representation (RFC 9110 8.8.3); the gzipped
// body is another, so its tag turns weak ("x" becomes W/"x", as nginx does), which
// If-None-Match still compares with "x".
void WeakenEtag(Fields& headers) {
  const std::string etag(headers[field::etag]);
  if (etag.starts_with('"')) headers.set(field::etag, "W/" + etag);
}

void CompressIfWorthIt(Response& response, bool accepts_gzip) {
  auto* text = std::get_if<std::string>(&response.body);
  if (text == nullptr || HasNoBody(response.status)) return;
  Fields& headers = response.headers;
  if (!headers[field::content_encoding].empty()) return;
  if (!IsCompressibleType(headers[field::content_type])) return;
  const bool large = text->size() >= kMinGzipBytes;
  const bool tagged = !headers[field::etag].empty();
  if (!large && !tagged) return;
  // The representation (or its tag) depends on Accept-Encoding whether or not this
  // client takes gzip.
  AddVary(headers, "Accept-Encoding");
  if (!accepts_gzip) return;
  // The same tag whether or not this body is large enough to gzip: a 304 cannot tell.
  WeakenEtag(headers);
  if (!large) return;
  auto compressed = GzipCompress(*text);
  if (!compressed || compressed->size() >= text->size()) return;
  *text = std::move(*compressed);
  headers.set(field::content_encoding, "gzip");
}

}  // namespace

Awaitable<Response> Dispatch(Request& request, CorsPolicy::Verdict verdict, const Router& router,
                             Guard& guard) {
  if (verdict == CorsPolicy::Verdict::kRefused) co_return CorsPolicy::Refusal();
  if (!request.ParseTarget()) {
    co_return Response::Error(HttpStatus::bad_request, "Malformed request target");
  }
  if (verdict != CorsPolicy::Verdict::kNoOrigin && CorsPolicy::IsPreflight(request)) {
    co_return CorsPolicy::PreflightResponse(request);
  }
  auto match = router.Find(request.method(), request.path());
  if (match.route == nullptr) {
    if (match.allowed.empty()) co_return Response::Error(HttpStatus::not_found, "Not found");
    Response response = request.method() == Verb::options
                            ? Response::Empty(HttpStatus::no_content)
                            : Response::Error(HttpStatus::method_not_allowed, "Method not allowed");
    response.headers.set(field::allow, AllowHeader(match.allowed));
    co_return response;
  }
  request.set_params(std::move(match.params));
  if (auto refusal = guard.Check(request, match.route->access)) co_return std::move(*refusal);
  try {
    co_return co_await match.route->handler(request);
  } catch (const std::exception& error) {
    spdlog::error("handler for {} {} threw: {}", request.method_string(), match.route->pattern,
                  error.what());
  } catch (...) {
    spdlog::error("handler for {} {} threw", request.method_string(), match.route->pattern);
  }
  co_return Response::Error(HttpStatus::internal_server_error, "Internal error");
}

void FinishHeaders(Response& response, const ResponseContext& context) {
  Fields& headers = response.headers;
  headers.set(field::date, HttpDate(std::chrono::system_clock::now()));
  headers.set(field::server, "tessera");
  headers.set("Cross-Origin-Resource-Policy", "cross-origin");
  // A preflight answer carries its own CORS headers already.
  if (!context.cors_origin.empty() && headers[field::access_control_allow_origin].empty()) {
    CorsPolicy::AddResponseHeaders(context.cors_origin, headers);
  }
  CompressIfWorthIt(response, context.accepts_gzip);
  // A 304 names what a 200 would have sent, which may have been gzipped.
  if (response.status == HttpStatus::not_modified && context.accepts_gzip) {
    WeakenEtag(response.headers);
  }
}

std::string HttpDate(std::chrono::system_clock::time_point time) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday],
                utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return text;
}

}  // namespace tessera::http
