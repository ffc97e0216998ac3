#pragma once

#include "dicomweb/context.h"
#include "dicomweb/qido_handler.h"
#include "dicomweb/rendered_handler.h"
#include "dicomweb/stow_handler.h"
#include "dicomweb/wado_handler.h"
#include "dicomweb/wado_uri_handler.h"
#include "http/router.h"

namespace tessera::dicomweb {

// The archive's HTTP face: every DICOMweb route (STOW-RS, QIDO-RS, WADO-RS,
// DELETE), WADO-URI and the upload endpoint, under the configured paths.
// Built once at start-up; handlers are thread-safe.
class DicomwebService {
 public:
  DicomwebService(archive::Archive& archive, http::BlockingPool& pool, DicomwebOptions options);
  DicomwebService(const DicomwebService&) = delete;
  DicomwebService& operator=(const DicomwebService&) = delete;

  // Adds the routes; the service must outlive the router's use.
  void RegisterRoutes(http::Router& router);

 private:
  http::Awaitable<http::Response> Delete(http::Request& request);

  Context context_;
  StowHandler stow_;
  QidoHandler qido_;
  WadoHandler wado_;
  RenderedHandler rendered_;
  WadoUriHandler wado_uri_;
};

}  // namespace tessera::dicomweb
