#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

#include "auth/token_registry.h"
#include "auth/user_store.h"
#include "base/clock.h"
#include "db/database.h"

namespace tessera::auth {

// Keeps the in-memory user and token state in step with auth.db when another
// process (`tessera user remove`, `tessera token ...`) changes it while the
// server runs, and forgets expired blocked tokens. A background thread checks
// SQLite's data_version every `period` (microseconds of work) and reloads only
// when another connection committed. Thread-safe; the thread stops and is
// joined on destruction.
class StateRefresher {
 public:
  // Starts the thread unless `period` is zero (then only RefreshNow runs).
  StateRefresher(db::Database& db, UserStore& users, TokenRegistry& registry, const Clock& clock,
                 std::chrono::milliseconds period = std::chrono::seconds(2));
  ~StateRefresher();
  StateRefresher(const StateRefresher&) = delete;
  StateRefresher& operator=(const StateRefresher&) = delete;

  // Blocking. Reloads when auth.db changed since the last call; prunes expired
  // blocked tokens once an hour. Returns whether it reloaded.
  Result<bool> RefreshNow();

  // Non-blocking. Asks the thread to check now rather than at the end of its
  // period (at most every 100 ms), e.g. when a token names a user memory does
  // not know yet. No effect without the thread.
  void Poke();

 private:
  void Run(std::stop_token stop);

  db::Database& db_;
  UserStore& users_;
  TokenRegistry& registry_;
  const Clock& clock_;
  const std::chrono::milliseconds period_;
  std::mutex mutex_;  // one refresh at a time
  std::optional<std::int64_t> data_version_;
  std::chrono::system_clock::time_point last_prune_{};
  std::mutex wake_mutex_;
  bool poked_ = false;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: started after everything it uses
};

}  // namespace tessera::auth
