#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace tessera::http {

// The headers of one body part of a multipart body.
struct PartHeaders {
  // In the order received; names as sent, values trimmed, folded lines joined.
  std::vector<std::pair<std::string, std::string>> fields;
  // Content-Disposition parameters ("filename*" preferred over "filename"),
  // empty when absent.
  std::string name;
  std::string filename;

  // The value of the first field named `name` (case-insensitive), empty when absent.
  std::string_view Get(std::string_view name) const;
  std::string_view content_type() const { return Get("Content-Type"); }
  std::string_view content_location() const { return Get("Content-Location"); }
};

// Receives the parts of a multipart body as the parser finds them. Any error
// returned aborts parsing and is returned by MultipartParser::Feed.
class PartSink {
 public:
  virtual ~PartSink() = default;
  virtual Status OnPartBegin(const PartHeaders& headers) = 0;
  // Called zero or more times per part with consecutive pieces of its content.
  virtual Status OnPartData(std::span<const char> bytes) = 0;
  virtual Status OnPartEnd() = 0;
};

// A push parser for multipart/related and multipart/form-data bodies (RFC 2046
// 5.1). Bytes may arrive in any chunking; part content is handed to the sink
// straight from the caller's buffers except for the few bytes (< boundary length
// + 4) held back at the end of a chunk while they might start a delimiter.
// Preamble and epilogue are ignored; the CRLF before the first delimiter may be
// missing; transport padding after a delimiter is skipped. Not thread-safe.
class MultipartParser {
 public:
  // REQUIRES: `boundary` is 1..70 characters (see BoundaryFromContentType).
  explicit MultipartParser(std::string boundary);

  // Parses the next bytes of the body. Errors: kInvalidArgument "malformed
  // multipart ..." (e.g. part headers over 16 KiB), or the sink's error. After an
  // error every call returns it again.
  Status Feed(std::span<const char> bytes, PartSink& sink);
  // Checks that the body ended after the closing delimiter. Errors: kInvalidArgument
  // when it was not seen, or the error Feed returned.
  Status Finish() const;

  // The number of parts begun so far.
  std::size_t part_count() const { return part_count_; }

  static constexpr std::size_t kMaxPartHeaderBytes = 16 * 1024;

 private:
  enum class State { kPreamble, kBody, kDelimiterTail, kHeaders, kEpilogue, kFailed };
  // Where we are in the bytes after "--boundary": "--", padding, CRLF.
  enum class Tail { kStart, kDash, kPadding, kCarriageReturn };

  Status ConsumeContent(const char*& p, const char* end, PartSink& sink);
  Status ConsumeDelimiterTail(const char*& p, const char* end);
  Status ConsumeHeaders(const char*& p, const char* end, PartSink& sink);
  Status Emit(const char* begin, std::size_t size, PartSink& sink);
  Status EndContent(PartSink& sink);
  // The first position of the delimiter in [begin, end), or end.
  const char* Find(const char* begin, const char* end) const;
  // The start of the longest suffix of [begin, end) that is a proper prefix of
  // the delimiter, or end.
  const char* HeldBackStart(const char* begin, const char* end) const;

  std::string delimiter_;     // "\r\n--" + boundary
  std::string carry_;         // held-back bytes that may start a delimiter
  std::string header_bytes_;  // the current part's header block so far
  State state_ = State::kPreamble;
  Tail tail_ = Tail::kStart;
  Error error_;
  std::size_t part_count_ = 0;
};

// The boundary parameter of a multipart Content-Type. Errors: kInvalidArgument
// when the type is not multipart/*, or the boundary is missing, longer than 70
// characters, or holds characters outside printable ASCII (or ends in a space).
Result<std::string> BoundaryFromContentType(std::string_view content_type);

}  // namespace tessera::http
