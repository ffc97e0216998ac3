#include "app/explorer_routes.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"

#include "app/viewer_routes.h"

namespace tessera::app {

void RegisterExplorerRoutes(http::Router& router, const config::Config& config,
                            std::span<const http::StaticAsset> assets) {
  const std::string app = config.AppPath();
  const std::string settings =
      nlohmann::json{
          {"pacsRoot", config.DicomwebPath()},
          {"authRoot", config.paths.auth},
          {"uploadUrl", config.paths.prefix + "/instances"},
          {"wadoUri", config.WadoUriPath()},
          {"viewerUrlTemplate", ViewerUrlTemplate(config)},
          {"appRoot", config.AppPath()},
          {"viewerBaseUrl", config.auth.viewer_url},
          // The pages then ask for a token without first asking anonymously (a 401
          // that browsers log as a failed request on every signed-out visit).
          {"authRequired", config.auth.enabled},
      }
          .dump();

  const auto serve_settings = [settings](http::Request&) -> http::Awaitable<http::Response> {
    auto response = http::Response::Json(http::HttpStatus::ok, settings);
    response.headers.set("Cache-Control", "no-cache");
    co_return response;
  };
  // The auth pages live under the auth prefix and read the same settings there.
  router.Add(http::Verb::get, app + "/config.json", http::Access::kPublic, serve_settings);
  router.Add(http::Verb::get, config.paths.auth + "/config.json", http::Access::kPublic,
             serve_settings);
  router.Add(http::Verb::get, app + "/{*rest}", http::Access::kPublic,
             http::StaticFilesHandler(assets, "explorer.html"));
  const std::string explorer = app + "/explorer.html";
  const auto redirect = [explorer](http::Request&) -> http::Awaitable<http::Response> {
    co_return http::Response::Redirect(http::HttpStatus::found, explorer);
  };
  router.Add(http::Verb::get, "/", http::Access::kPublic, redirect);
  // Direct login links read <viewer>/auth/oauth?token=...; without a separate
  // viewer they point here, and the explorer takes the token over.
  router.Add(http::Verb::get, config.paths.auth + "/oauth", http::Access::kPublic,
             [explorer](http::Request& request) -> http::Awaitable<http::Response> {
               const auto token = request.query().Get("token");
               if (!token) co_return http::Response::Redirect(http::HttpStatus::found, explorer);
               co_return http::Response::Redirect(http::HttpStatus::found,
                                                  explorer + "?token=" + PercentEncode(*token));
             });
  router.Add(http::Verb::get, app, http::Access::kPublic, redirect);
}

}  // namespace tessera::app
