#pragma once

#include "dicomweb/context.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera::dicomweb {

// Storing instances: STOW-RS (PS3.18 10.5) for multipart/related bodies of
// application/dicom parts, and the single-file / zip upload endpoint that
// Orthanc-style scripts use. Bodies stream straight into the archive's incoming
// files; instances are acknowledged only once durable. Thread-safe.
class StowHandler {
 public:
  explicit StowHandler(const Context& context) : context_(context) {}

  // POST {dicomweb}/studies and {dicomweb}/studies/{study}.
  // 200 all stored, 202 some failed, 409 none stored, 415 wrong media type,
  // 400 malformed multipart, 413 too large; PS3.18 JSON response.
  http::Awaitable<http::Response> Store(http::Request& request);

  // POST {prefix}/instances: one Part 10 file, or a zip of them, as the body.
  http::Awaitable<http::Response> Upload(http::Request& request);

 private:
  const Context& context_;
};

}  // namespace tessera::dicomweb
