#pragma once

#include "archive/query.h"
#include "dicomweb/context.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera::dicomweb {

// QIDO-RS searches (PS3.18 10.6) at every level: /studies, /studies/{s}/series,
// /series, /studies/{s}/series/{r}/instances, /studies/{s}/instances, /instances.
// Answers application/dicom+json with a RetrieveURL per match; `count=true` adds
// X-Total-Count. Thread-safe.
class QidoHandler {
 public:
  explicit QidoHandler(const Context& context) : context_(context) {}

  http::Awaitable<http::Response> Search(http::Request& request, archive::QueryLevel level);

 private:
  const Context& context_;
};

}  // namespace tessera::dicomweb
