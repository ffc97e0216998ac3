#include "dicomweb/multipart_body.h"

#include <random>

namespace tessera::dicomweb {

std::string NewBoundary() {
  static constexpr char kAlphabet[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_int_distribution<int> pick(0, sizeof(kAlphabet) - 2);
  std::string boundary = "tessera-";
  for (int i = 0; i < 32; ++i) boundary.push_back(kAlphabet[pick(generator)]);
  return boundary;
}

MultipartBody::MultipartBody(std::string_view part_type)
    : part_type_(part_type), boundary_(NewBoundary()) {}

std::string MultipartBody::PartHeader(std::string_view content_type,
                                      std::string_view content_location) const {
  std::string header = "--" + boundary_ + "\r\nContent-Type: ";
  header += content_type;
  header += "\r\n";
  if (!content_location.empty()) {
    header += "Content-Location: ";
    header += content_location;
    header += "\r\n";
  }
  header += "\r\n";
  return header;
}

std::string MultipartBody::Closing() const { return "--" + boundary_ + "--\r\n"; }

void MultipartBody::AddPart(std::string_view content_type, http::Segment content,
                            std::string_view content_location) {
  segments_.emplace_back(PartHeader(content_type, content_location));
  segments_.push_back(std::move(content));
  segments_.emplace_back(std::string("\r\n"));
  ++part_count_;
}

std::string MultipartBody::ContentType() const {
  return "multipart/related; type=\"" + part_type_ + "\"; boundary=" + boundary_;
}

http::Segments MultipartBody::TakeSegments() {
  segments_.emplace_back(Closing());
  return std::move(segments_);
}

http::Response MultipartBody::TakeResponse() {
  http::Response response;
  response.headers.set("Content-Type", ContentType());
  response.body = TakeSegments();
  return response;
}

}  // namespace tessera::dicomweb
