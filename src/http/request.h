#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "http/beast.h"
#include "http/query_params.h"

namespace tessera::http {

// The request body as a stream. Handlers that need the body read it; the
// session drains (or, past a limit, refuses) whatever is left unread.
class BodyReader {
 public:
  virtual ~BodyReader() = default;

  // Reads up to buffer.size() bytes into `buffer`; returns 0 at the end of the body.
  // Errors: kTooLarge when the body exceeds the configured limit (answer 413),
  // kIo when the client goes away or the read times out.
  virtual Awaitable<Result<std::size_t>> Read(std::span<char> buffer) = 0;

  // The declared Content-Length, when the client sent one (not for chunked bodies).
  virtual std::optional<std::uint64_t> content_length() const = 0;
};

// Reads the rest of `body` into memory. Errors: kTooLarge past `max_bytes`, and
// those of BodyReader::Read. For small bodies only (JSON forms), never for uploads.
Awaitable<Result<std::string>> ReadAll(BodyReader& body, std::size_t max_bytes);

// Who made the request, as established by the Guard. Empty subject: anonymous.
struct Principal {
  std::string subject;     // user name
  std::string display_name;
  bool can_write = false;  // may use Access::kWrite routes
};

// One HTTP request as handlers see it. Owned by the session; valid while the
// handler runs. Not thread-safe (a handler runs on one strand at a time).
class Request {
 public:
  Request(Verb method, std::string method_string, std::string target, Fields headers,
          std::string remote_address, bool secure, BodyReader& body);

  // Splits and decodes the target. Errors: kInvalidArgument (bad %-escape, not origin-form).
  Status ParseTarget();

  Verb method() const { return method_; }
  std::string_view method_string() const { return method_string_; }
  // The request target exactly as received, query included. May hold secrets
  // (token=...): log RedactedTarget() instead.
  std::string_view target() const { return target_; }
  // The target with the values of secret query parameters replaced by "***".
  std::string RedactedTarget() const;
  // The percent-decoded path, no query.
  std::string_view path() const { return path_; }
  const QueryParams& query() const { return query_; }

  // The value of header `name` (case-insensitive), empty when absent.
  std::string_view header(std::string_view name) const;
  const Fields& headers() const { return headers_; }

  // A path capture of the matched route, e.g. param("study") for ".../studies/{study}".
  std::string_view param(std::string_view name) const;
  void set_params(std::vector<std::pair<std::string, std::string>> params) {
    params_ = std::move(params);
  }

  const std::string& remote_address() const { return remote_address_; }
  // True when the request arrived over TLS.
  bool secure() const { return secure_; }
  // "https://host:port" as the client addressed us (from Host), for absolute URLs.
  std::string Origin() const;

  BodyReader& body() { return body_; }

  const Principal& principal() const { return principal_; }
  void set_principal(Principal principal) { principal_ = std::move(principal); }

 private:
  Verb method_;
  std::string method_string_;
  std::string target_;
  Fields headers_;
  std::string remote_address_;
  bool secure_;
  BodyReader& body_;
  std::string path_;
  QueryParams query_;
  std::vector<std::pair<std::string, std::string>> params_;
  Principal principal_;
};

}  // namespace tessera::http
