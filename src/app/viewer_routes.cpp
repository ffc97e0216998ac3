#include "app/viewer_routes.h"

#include <cassert>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/small_file.h"
#include "web/assets.h"

namespace tessera::app {

namespace {

constexpr std::string_view kPublicUrlMarker = "window.PUBLIC_URL=\"";
// Where web/viewer/app-config.js takes the settings.
constexpr std::string_view kSettingsMarker = "/*@TESSERA_SETTINGS@*/ {}";

std::string WithoutTrailingSlash(std::string_view url) {
  while (url.ends_with('/')) url.remove_suffix(1);
  return std::string(url);
}

}  // namespace

std::string ViewerPath(const config::Config& config) { return config.paths.prefix + "/viewer"; }

std::string ViewerUrlTemplate(const config::Config& config) {
  if (!config.explorer.viewer_url_template.empty()) return config.explorer.viewer_url_template;
  if (config.explorer.viewer_dir.empty()) return "";
  return ViewerPath(config) + "/viewer?StudyInstanceUIDs={study}";
}

std::optional<std::string> BuildPublicUrl(std::string_view index_html) {
  const auto start = index_html.find(kPublicUrlMarker);
  if (start == std::string_view::npos) return std::nullopt;
  const auto value = index_html.substr(start + kPublicUrlMarker.size());
  const auto end = value.find('"');
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(value.substr(0, end));
}

std::vector<http::TextSubstitution> MountSubstitutions(std::string_view from, std::string_view to) {
  assert(from.starts_with('/') && from.ends_with('/') && "PUBLIC_URL is an absolute folder");
  assert(to.starts_with('/') && to.ends_with('/') && "the mount point is an absolute folder");
  if (from == to) return {};
  const std::string f(from);
  const std::string t(to);
  std::vector<http::TextSubstitution> rules = {
      // The webpack runtime of the app and of each worker bundle: where chunks,
      // wasm codecs and workers load from.
      {".js", "__webpack_require__.p = \"" + f + "\"", "__webpack_require__.p = \"" + t + "\""},
      {".js", "'" + f + "dicom-microscopy-viewer/", "'" + t + "dicom-microscopy-viewer/"},
      {".html", std::string(kPublicUrlMarker) + f + "\"", std::string(kPublicUrlMarker) + t + "\""},
  };
  // Protocol-relative URLs ("//cdn…") are other hosts: kept as they are by
  // identity rules listed before the rewriting ones (see TextSubstitution).
  if (f == "/") {
    rules.push_back({".html", "href=\"//", "href=\"//"});
    rules.push_back({".html", "src=\"//", "src=\"//"});
    rules.push_back({".css", "url(//", "url(//"});
  }
  rules.push_back({".html", "href=\"" + f, "href=\"" + t});
  rules.push_back({".html", "src=\"" + f, "src=\"" + t});
  rules.push_back({".css", "url(" + f, "url(" + t});
  rules.push_back({"manifest.json", "\"src\": \"" + f, "\"src\": \"" + t});
  return rules;
}

Result<std::string> ViewerAppConfig(const config::Config& config) {
  const std::string settings =
      nlohmann::json{
          {"publicUrl", WithoutTrailingSlash(config.http.public_url)},
          {"dicomwebPath", config.DicomwebPath()},
          {"wadoUriPath", config.WadoUriPath()},
          {"authRoot", config.paths.auth},
          {"authEnabled", config.auth.enabled},
          {"routerBasename", ViewerPath(config)},
      }
          .dump();
  const auto* file = http::FindStaticAsset(web::Assets(), "viewer/app-config.js");
  const auto marker = file == nullptr ? std::string_view::npos : file->bytes.find(kSettingsMarker);
  if (marker == std::string_view::npos) {
    return Fail(ErrorCode::kInternal,
                "this build's web/viewer/app-config.js lacks " + std::string(kSettingsMarker));
  }
  std::string script(file->bytes);
  script.replace(marker, kSettingsMarker.size(), settings);
  return script;
}

Status RegisterViewerRoutes(http::Router& router, const config::Config& config,
                            http::BlockingPool& pool) {
  if (config.explorer.viewer_dir.empty()) return Ok();
  const std::filesystem::path& folder = config.explorer.viewer_dir;
  auto index = ReadSmallFile(folder / "index.html");
  if (!index) {
    return Fail(index.error().code, "explorer.viewer_dir " + folder.string() +
                                        " is not an OHIF build: " + index.error().message);
  }
  const std::string mount = ViewerPath(config) + "/";
  const auto built_for = BuildPublicUrl(*index);
  const bool adaptable = built_for && built_for->starts_with('/') && built_for->ends_with('/');
  if (!adaptable) {
    spdlog::warn(
        "{}/index.html sets no window.PUBLIC_URL; the viewer is served as it is and "
        "works only if it was built for {}",
        folder.string(), mount);
  }

  http::DirectoryFilesOptions options;
  options.root = folder;
  options.spa_fallback = true;
  if (adaptable) options.substitutions = MountSubstitutions(*built_for, mount);
  // OHIF runs inline scripts and WebAssembly, so no script policy here; the
  // viewer may still not be framed by other sites.
  options.html_security_policy = "frame-ancestors 'self'";
  auto files = http::DirectoryFiles::Open(std::move(options), pool);
  if (!files) return std::move(files).error();

  const std::string path = ViewerPath(config);
  // Keeps the query: /zhiva/viewer?StudyInstanceUIDs=… still opens the study.
  router.Add(http::Verb::get, path, http::Access::kPublic,
             [mount](http::Request& request) -> http::Awaitable<http::Response> {
               const auto question = request.target().find('?');
               const std::string_view query =
                   question == std::string_view::npos ? "" : request.target().substr(question);
               co_return http::Response::Redirect(http::HttpStatus::found,
                                                  mount + std::string(query));
             });
  auto app_config = ViewerAppConfig(config);
  if (!app_config) return std::move(app_config).error();
  router.Add(http::Verb::get, mount + "app-config.js", http::Access::kPublic,
             [script = std::move(*app_config)](http::Request&) -> http::Awaitable<http::Response> {
               auto response = http::Response::WithBody(http::HttpStatus::ok, script,
                                                        "text/javascript; charset=utf-8");
               response.headers.set("Cache-Control", "no-cache");
               response.headers.set("X-Content-Type-Options", "nosniff");
               co_return response;
             });
  router.Add(http::Verb::get, mount + "{*rest}", http::Access::kPublic, (*files)->AsHandler());
  spdlog::info("OHIF viewer from {} at {}", folder.string(), mount);
  return Ok();
}

}  // namespace tessera::app
