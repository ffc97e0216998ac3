#pragma once

#include <string>
#include <string_view>

#include "http/response.h"

namespace tessera::dicomweb {

// Builds a multipart/related response body (RFC 2387) from in-memory pieces and
// file ranges, with a random boundary. Not thread-safe.
class MultipartBody {
 public:
  // `part_type` is the `type` parameter, e.g. "application/dicom".
  explicit MultipartBody(std::string_view part_type);

  // `content_type` is the part's full Content-Type (with transfer-syntax).
  void AddPart(std::string_view content_type, http::Segment content,
               std::string_view content_location = {});

  // e.g. multipart/related; type="application/dicom"; boundary=...
  std::string ContentType() const;
  const std::string& boundary() const { return boundary_; }
  std::size_t part_count() const { return part_count_; }

  // The delimiter line and headers that open a part (for streamed bodies).
  std::string PartHeader(std::string_view content_type, std::string_view content_location) const;
  // What closes the body after the last part's content.
  std::string Closing() const;

  // The body; call once, after the last AddPart.
  http::Segments TakeSegments();
  // A 200 response with this body and its Content-Type; call once, after the last AddPart.
  http::Response TakeResponse();

 private:
  std::string part_type_;
  std::string boundary_;
  http::Segments segments_;
  std::size_t part_count_ = 0;
};

// A fresh random boundary (32 alphanumerics; never found in DICOM data by chance).
std::string NewBoundary();

}  // namespace tessera::dicomweb
