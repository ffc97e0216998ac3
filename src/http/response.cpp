#include "http/response.h"

#include "base/json_text.h"
#include "base/strings.h"

namespace tessera::http {

Response Response::WithBody(HttpStatus status, std::string body, std::string_view content_type) {
  Response response;
  response.status = status;
  response.headers.set(beast::http::field::content_type, content_type);
  response.body = std::move(body);
  return response;
}

Response Response::Json(HttpStatus status, std::string json, std::string_view content_type) {
  return WithBody(status, std::move(json), content_type);
}

Response Response::Error(HttpStatus status, std::string_view message) {
  // Messages may quote what a client sent: AppendJsonString keeps the body valid
  // JSON (and UTF-8) whatever the bytes.
  std::string json = "{\"message\": ";
  AppendJsonString(json, message);
  json.push_back('}');
  return Json(status, std::move(json));
}

Response Response::Empty(HttpStatus status) {
  Response response;
  response.status = status;
  return response;
}

Response Response::Redirect(HttpStatus status, std::string_view location) {
  Response response = Empty(status);
  response.headers.set(beast::http::field::location, location);
  return response;
}

std::optional<std::uint64_t> Response::BodySize() const {
  if (const auto* text = std::get_if<std::string>(&body)) return text->size();
  const auto* segments = std::get_if<Segments>(&body);
  if (segments == nullptr) return std::nullopt;
  std::uint64_t total = 0;
  for (const Segment& segment : *segments) {
    if (const auto* piece = std::get_if<std::string>(&segment)) {
      total += piece->size();
      continue;
    }
    total += std::get<FileRange>(segment).length;
  }
  return total;
}

void AddVary(Fields& headers, std::string_view token) {
  const std::string_view vary = headers[beast::http::field::vary];
  if (vary.empty()) {
    headers.set(beast::http::field::vary, token);
    return;
  }
  for (std::string_view listed : Split(vary, ',')) {
    listed = Trim(listed);
    if (IEquals(listed, token) || listed == "*") return;
  }
  headers.set(beast::http::field::vary, std::string(vary) + ", " + std::string(token));
}

void AddWarning(Fields& headers, std::string_view text) {
  std::string value = "299 tessera \"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') value += '\\';
    if (byte < 0x20 || byte == 0x7f) {
      value += ' ';
    } else if (byte >= 0x80) {
      value += '?';
    } else {
      value += c;
    }
  }
  value += '"';
  headers.insert("Warning", value);
}

}  // namespace tessera::http
