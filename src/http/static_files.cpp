#include "http/static_files.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "base/strings.h"
#include "http/etag.h"

namespace tessera::http {

namespace {

using field = beast::http::field;

void AddCommonHeaders(const StaticAsset& asset, Fields& headers) {
  headers.set(field::cache_control, "no-cache");
  headers.set("X-Content-Type-Options", "nosniff");
  if (!asset.etag.empty()) headers.set(field::etag, asset.etag);
}

}  // namespace

const StaticAsset* FindStaticAsset(std::span<const StaticAsset> assets, std::string_view path) {
  const auto it = std::find_if(assets.begin(), assets.end(),
                               [path](const StaticAsset& asset) { return asset.path == path; });
  return it == assets.end() ? nullptr : &*it;
}

Handler StaticFilesHandler(std::span<const StaticAsset> assets, std::string index) {
  auto table = std::make_shared<std::unordered_map<std::string_view, const StaticAsset*>>();
  for (const StaticAsset& asset : assets) table->emplace(asset.path, &asset);
  return [table, index = std::move(index)](Request& request) -> Awaitable<Response> {
    std::string_view name = request.param("rest");
    if (name.empty()) name = index;
    const auto found = table->find(name);
    if (found == table->end()) co_return Response::Error(HttpStatus::not_found, "Not found");
    const StaticAsset& asset = *found->second;
    const std::string_view if_none_match = request.header("If-None-Match");
    if (!asset.etag.empty() && !if_none_match.empty() &&
        EtagListMatches(if_none_match, asset.etag)) {
      Response response = Response::Empty(HttpStatus::not_modified);
      AddCommonHeaders(asset, response.headers);
      co_return response;
    }
    Response response =
        Response::WithBody(HttpStatus::ok, std::string(asset.bytes), asset.content_type);
    AddCommonHeaders(asset, response.headers);
    if (IStartsWith(asset.content_type, "text/html")) {
      response.headers.set("Content-Security-Policy", kHtmlContentSecurityPolicy);
    }
    co_return response;
  };
}

}  // namespace tessera::http
