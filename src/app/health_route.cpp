#include "app/health_route.h"

#include <chrono>

#include <nlohmann/json.hpp>

namespace tessera::app {

// How long a failed write after the fact (archive::DeferredFileError) keeps the
// archive degraded: long enough for a monitoring system polling every few
// minutes to see it.
constexpr auto kRecentFileError = std::chrono::minutes(15);

void RegisterHealthRoute(http::Router& router, const config::Config& config,
                         const archive::Archive& archive) {
  // Both checks are a system call or a lock away: answered on the I/O thread.
  const auto health = [&archive](http::Request&) -> http::Awaitable<http::Response> {
    auto problems = nlohmann::json::array();
    nlohmann::json body = {{"status", "ok"}};
    const auto room = archive.CheckRoom();
    const bool full = !room && room.error().code == ErrorCode::kStorageFull;
    const auto failed_at = archive.LastDeferredFileError();
    const bool recent_failure =
        failed_at && std::chrono::system_clock::now() - *failed_at < kRecentFileError;
    if (full) problems.push_back("storage_full");
    if ((!room && !full) || recent_failure) problems.push_back("storage_error");
    if (const auto lag = archive.IndexState(); lag.behind) {
      problems.push_back("index_behind");
      body["unindexed"] = lag.waiting;
    }
    auto status = http::HttpStatus::ok;
    if (!problems.empty()) {
      status = http::HttpStatus::service_unavailable;
      body["status"] = "degraded";
      body["problems"] = std::move(problems);
    }
    auto response = http::Response::Json(status, body.dump());
    response.headers.set("Cache-Control", "no-store");
    co_return response;
  };
  router.Add(http::Verb::get, config.paths.prefix + "/health", http::Access::kPublic, health);
}

}  // namespace tessera::app
