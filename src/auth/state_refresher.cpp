#include "auth/state_refresher.h"

#include <spdlog/spdlog.h>

namespace tessera::auth {

static constexpr auto kPruneInterval = std::chrono::hours(1);

StateRefresher::StateRefresher(db::Database& db, UserStore& users, TokenRegistry& registry,
                               const Clock& clock, std::chrono::milliseconds period)
    : db_(db), users_(users), registry_(registry), clock_(clock), period_(period) {
  (void)RefreshNow();  // records the current data_version
  if (period_.count() > 0) thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

StateRefresher::~StateRefresher() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
}

void StateRefresher::Poke() {
  {
    std::lock_guard lock(wake_mutex_);
    poked_ = true;
  }
  wake_.notify_one();
}

void StateRefresher::Run(std::stop_token stop) {
  constexpr auto kMinimumSpacing = std::chrono::milliseconds(100);
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, stop, period_, [this] { return poked_; });
      poked_ = false;
    }
    if (stop.stop_requested()) return;
    std::this_thread::sleep_for(kMinimumSpacing);  // bounds the work a flood of pokes causes
    auto refreshed = RefreshNow();
    if (!refreshed) spdlog::warn("auth: reloading auth.db failed: {}", refreshed.error().message);
  }
}

Result<bool> StateRefresher::RefreshNow() {
  std::lock_guard lock(mutex_);
  const auto now = clock_.Now();
  if (now - last_prune_ >= kPruneInterval) {
    last_prune_ = now;
    if (auto status = registry_.Prune(); !status) return std::move(status).error();
  }
  // data_version changes when any other connection commits; our own writes go
  // through the writer connection and are already in memory.
  auto version = db_.Write([](db::Connection& connection) -> Result<std::int64_t> {
    auto pragma = connection.Cached("PRAGMA data_version");
    if (!pragma) return std::move(pragma).error();
    auto row = (*pragma)->Step();
    if (!row) return std::move(row).error();
    const auto value = (*pragma)->ColumnInt(0);
    (*pragma)->Reset();
    return value;
  });
  if (!version) return std::move(version).error();
  const bool changed = data_version_ && *data_version_ != *version;
  data_version_ = *version;
  if (!changed) return false;
  if (auto status = users_.Reload(); !status) return std::move(status).error();
  if (auto status = registry_.Reload(); !status) return std::move(status).error();
  spdlog::info("auth: reloaded users and revocations changed by another process");
  return true;
}

}  // namespace tessera::auth
