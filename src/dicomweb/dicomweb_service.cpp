#include "dicomweb/dicomweb_service.h"

#include "dicomweb/urls.h"
#include "http/error_status.h"

namespace tessera::dicomweb {

using archive::QueryLevel;
using http::Access;
using http::Verb;

DicomwebService::DicomwebService(archive::Archive& archive, http::BlockingPool& pool,
                                 DicomwebOptions options)
    : context_{archive, pool, std::move(options)},
      stow_(context_),
      qido_(context_),
      wado_(context_),
      rendered_(context_),
      wado_uri_(context_) {}

void DicomwebService::RegisterRoutes(http::Router& router) {
  const std::string root = context_.options.dicomweb_path;
  const std::string study = root + "/studies/{study}";
  const std::string series = study + "/series/{series}";
  const std::string instance = series + "/instances/{instance}";

  const auto qido = [this](QueryLevel level) {
    return [this, level](http::Request& r) { return qido_.Search(r, level); };
  };
  const auto bind = [](auto* handler, auto method) {
    return [handler, method](http::Request& r) { return (handler->*method)(r); };
  };

  // STOW-RS and the upload endpoint.
  router.Add(Verb::post, root + "/studies", Access::kWrite, bind(&stow_, &StowHandler::Store));
  router.Add(Verb::post, study, Access::kWrite, bind(&stow_, &StowHandler::Store));
  router.Add(Verb::post, context_.options.prefix + "/instances", Access::kWrite,
             bind(&stow_, &StowHandler::Upload));

  // QIDO-RS.
  router.Add(Verb::get, root + "/studies", Access::kRead, qido(QueryLevel::kStudy));
  router.Add(Verb::get, root + "/series", Access::kRead, qido(QueryLevel::kSeries));
  router.Add(Verb::get, root + "/instances", Access::kRead, qido(QueryLevel::kInstance));
  router.Add(Verb::get, study + "/series", Access::kRead, qido(QueryLevel::kSeries));
  router.Add(Verb::get, study + "/instances", Access::kRead, qido(QueryLevel::kInstance));
  router.Add(Verb::get, series + "/instances", Access::kRead, qido(QueryLevel::kInstance));

  // WADO-RS.
  for (const auto& scope : {study, series, instance}) {
    router.Add(Verb::get, scope, Access::kRead, bind(&wado_, &WadoHandler::RetrieveInstances));
    router.Add(Verb::get, scope + "/metadata", Access::kRead,
               bind(&wado_, &WadoHandler::RetrieveMetadata));
    router.Add(Verb::get, scope + "/rendered", Access::kRead,
               bind(&rendered_, &RenderedHandler::Rendered));
    router.Add(Verb::get, scope + "/thumbnail", Access::kRead,
               bind(&rendered_, &RenderedHandler::Thumbnail));
    router.Add(Verb::delete_, scope, Access::kWrite, bind(this, &DicomwebService::Delete));
  }
  router.Add(Verb::get, study + "/archive", Access::kRead,
             bind(&wado_, &WadoHandler::RetrieveStudyArchive));
  router.Add(Verb::get, instance + "/bulkdata/{*path}", Access::kRead,
             bind(&wado_, &WadoHandler::RetrieveBulkData));
  router.Add(Verb::get, instance + "/frames/{frames}", Access::kRead,
             bind(&wado_, &WadoHandler::RetrieveFrames));
  router.Add(Verb::get, instance + "/frames/{frames}/rendered", Access::kRead,
             bind(&rendered_, &RenderedHandler::Rendered));
  router.Add(Verb::get, instance + "/frames/{frames}/thumbnail", Access::kRead,
             bind(&rendered_, &RenderedHandler::Thumbnail));

  // WADO-URI.
  router.Add(Verb::get, context_.options.wado_uri_path, Access::kRead,
             bind(&wado_uri_, &WadoUriHandler::Get));
}

http::Awaitable<http::Response> DicomwebService::Delete(http::Request& request) {
  auto uids = ReadPathUids(request);
  if (!uids) co_return http::ErrorResponse(uids.error());
  const archive::Scope scope{uids->study, uids->series, uids->instance};
  auto status = co_await context_.pool.Run([&] { return context_.archive.Delete(scope); });
  if (!status) co_return http::ErrorResponse(status.error());
  co_return http::Response::Empty(http::HttpStatus::no_content);
}

}  // namespace tessera::dicomweb
