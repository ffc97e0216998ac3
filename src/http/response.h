#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "http/beast.h"

namespace tessera::http {

// A byte range of a file on disk, sent without loading the file into memory.
struct FileRange {
  std::filesystem::path path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// A response body made of in-memory pieces and file ranges, sent in order with a
// Content-Length computed up front (e.g. multipart/related of stored instances).
using Segment = std::variant<std::string, FileRange>;
using Segments = std::vector<Segment>;

// Receives the pieces of a streamed body. Write returns an error when the client
// has gone away; the producer then stops.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual Awaitable<Status> Write(std::span<const char> bytes) = 0;
};

// A body whose length is not known up front, sent with chunked transfer encoding
// (e.g. a zip written while it is streamed). Runs on the session's executor.
using StreamBody = std::function<Awaitable<Status>(BodyWriter&)>;

// An HTTP response. Content-Length, Date, Server, CORS and
// Cross-Origin-Resource-Policy headers are added by the session.
struct Response {
  HttpStatus status = HttpStatus::ok;
  Fields headers;
  std::variant<std::string, Segments, StreamBody> body;

  // `body` with the given Content-Type.
  static Response WithBody(HttpStatus status, std::string body, std::string_view content_type);
  static Response Json(HttpStatus status, std::string json,
                       std::string_view content_type = "application/json");
  // {"message": message} as application/json: the error shape of every endpoint.
  static Response Error(HttpStatus status, std::string_view message);
  // Status only, empty body (204, 304, ...).
  static Response Empty(HttpStatus status);
  // 302/303 redirect to `location`.
  static Response Redirect(HttpStatus status, std::string_view location);

  // Total size for string and segment bodies; nullopt for streamed bodies.
  std::optional<std::uint64_t> BodySize() const;
};

// Appends `token` to the Vary header unless it is listed already (or Vary is *).
void AddVary(Fields& headers, std::string_view token);

// Adds a Warning header `299 tessera "<text>"`. `text` may hold anything a client
// sent: control characters and bytes outside ASCII become spaces and '?', and
// quotes and backslashes are escaped, so the header stays one well-formed line.
void AddWarning(Fields& headers, std::string_view text);

}  // namespace tessera::http
