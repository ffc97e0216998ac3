#pragma once

#include "dicomweb/context.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera::dicomweb {

// Rendered resources and thumbnails (PS3.18 10.4.1.1.3, 8.3.5.1): JPEG or PNG
// made by DCMTK with windowing from the file or the `window` parameter, scaled to
// `viewport`, at `quality`. An instance or frame renders one image; a series or
// study renders each instance's first frame as multipart/related. A thumbnail is
// one small image: of the instance, or of a series' middle instance, or of a
// study's first series. Thread-safe.
class RenderedHandler {
 public:
  explicit RenderedHandler(const Context& context) : context_(context) {}

  http::Awaitable<http::Response> Rendered(http::Request& request);
  http::Awaitable<http::Response> Thumbnail(http::Request& request);

 private:
  const Context& context_;
};

}  // namespace tessera::dicomweb
