#pragma once

#include <cstdint>
#include <vector>

#include "dicomweb/context.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera::dicomweb {

// WADO-RS retrieval (PS3.18 10.4): instances of a study/series/instance as
// multipart/related application/dicom (as stored, or transcoded per Accept), or a
// zip; metadata from the stored DICOM JSON with ETag; bulk data; frames.
// Route parameters: study, series, instance, frames, path. Thread-safe.
class WadoHandler {
 public:
  explicit WadoHandler(const Context& context) : context_(context) {}

  http::Awaitable<http::Response> RetrieveInstances(http::Request& request);
  http::Awaitable<http::Response> RetrieveMetadata(http::Request& request);
  http::Awaitable<http::Response> RetrieveBulkData(http::Request& request);
  http::Awaitable<http::Response> RetrieveFrames(http::Request& request);
  // The study as a zip of its Part 10 files, streamed while it is written.
  http::Awaitable<http::Response> RetrieveStudyArchive(http::Request& request);

 private:
  // The frames `frame_numbers` of `ref` (which has pixel data) as the Accept asks:
  // uncompressed or as stored, multipart or one part. `whole_value`: they answer a
  // Pixel Data bulk data request, so uncompressed frames go out as one value.
  http::Awaitable<http::Response> FramesResponse(http::Request& request,
                                                 const archive::InstanceRef& ref,
                                                 const std::vector<std::uint32_t>& frame_numbers,
                                                 bool whole_value);

  const Context& context_;
};

}  // namespace tessera::dicomweb
