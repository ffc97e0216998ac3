#include "auth/token_registry.h"

#include <mutex>

namespace tessera::auth {

static std::int64_t Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Result<std::unique_ptr<TokenRegistry>> TokenRegistry::Open(db::Database& db, const Clock& clock) {
  std::unique_ptr<TokenRegistry> registry(new TokenRegistry(db, clock));
  if (auto status = registry->Prune(); !status) return std::move(status).error();
  if (auto status = registry->Reload(); !status) return std::move(status).error();
  return registry;
}

bool TokenRegistry::IsBlocked(std::string_view jti) const {
  std::shared_lock lock(mutex_);
  return blocked_.find(jti) != blocked_.end();
}

Result<bool> TokenRegistry::Spend(std::string_view jti, std::chrono::sys_seconds expires_at) {
  return Block(jti, expires_at, "spent");
}

Status TokenRegistry::Revoke(std::string_view jti, std::chrono::sys_seconds expires_at) {
  auto blocked = Block(jti, expires_at, "revoked");
  if (!blocked) return std::move(blocked).error();
  return Ok();
}

Result<bool> TokenRegistry::Block(std::string_view jti, std::chrono::sys_seconds expires_at,
                                  std::string_view reason) {
  // The writer lock orders memory and SQLite alike; memory is updated only
  // after the row is committed, and readers (IsBlocked) never wait on SQLite.
  return db_.Write([&](db::Connection& connection) -> Result<bool> {
    if (IsBlocked(jti)) return false;
    auto insert = connection.Cached(
        "INSERT OR IGNORE INTO blocked_tokens (jti, reason, expires_at) VALUES (?, ?, ?)");
    if (!insert) return std::move(insert).error();
    const auto expiry = expires_at.time_since_epoch().count();
    if (auto status = (*insert)->Bind(1, jti).Bind(2, reason).Bind(3, expiry).Run(); !status) {
      return std::move(status).error();
    }
    // Another process (a second server on the same data folder) may have won.
    const bool first = connection.Changes() == 1;
    std::unique_lock lock(mutex_);
    blocked_.emplace(std::string(jti), expiry);
    return first;
  });
}

Status TokenRegistry::Prune() {
  const auto now = Seconds(clock_.Now());
  return db_.Write([&](db::Connection& connection) -> Status {
    auto remove = connection.Cached("DELETE FROM blocked_tokens WHERE expires_at < ?");
    if (!remove) return std::move(remove).error();
    if (auto status = (*remove)->Bind(1, now).Run(); !status) return status;
    std::unique_lock lock(mutex_);
    std::erase_if(blocked_, [now](const auto& entry) { return entry.second < now; });
    return Ok();
  });
}

Status TokenRegistry::Reload() {
  return db_.Write([&](db::Connection& connection) -> Status {
    auto select = connection.Prepare("SELECT jti, expires_at FROM blocked_tokens");
    if (!select) return std::move(select).error();
    std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> blocked;
    while (true) {
      auto row = select->Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      blocked.emplace(std::string(select->ColumnText(0)), select->ColumnInt(1));
    }
    std::unique_lock lock(mutex_);
    blocked_ = std::move(blocked);
    return Ok();
  });
}

std::size_t TokenRegistry::size() const {
  std::shared_lock lock(mutex_);
  return blocked_.size();
}

}  // namespace tessera::auth
