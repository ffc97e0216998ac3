#pragma once

#include "dicomweb/context.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera::dicomweb {

// WADO-URI (PS3.18 9): GET {prefix}/wado?requestType=WADO&studyUID=&seriesUID=
// &objectUID=, answering application/dicom (honouring transferSyntax), image/jpeg
// (the default for images) or image/png, with frameNumber, rows, columns,
// windowCenter, windowWidth and imageQuality. Thread-safe.
class WadoUriHandler {
 public:
  explicit WadoUriHandler(const Context& context) : context_(context) {}

  http::Awaitable<http::Response> Get(http::Request& request);

 private:
  const Context& context_;
};

}  // namespace tessera::dicomweb
