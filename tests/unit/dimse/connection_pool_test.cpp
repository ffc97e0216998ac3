#include "dimse/connection_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace tessera::dimse {
namespace {

using namespace std::chrono_literals;

// Handlers block until released, so tests control how many threads are busy.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  bool AwaitWaiting(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] { return waiting_ >= count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

// Opens the gate when the test leaves, before the pool (declared earlier) joins.
struct OpenOnExit {
  Gate& gate;
  ~OpenOnExit() { gate.Open(); }
};

AcceptedSocket Socket(const char* peer) { return AcceptedSocket{UniqueFd(), peer}; }

// Threads become idle shortly after the pool starts; retries for a while.
bool SubmitSoon(ConnectionPool& pool, AcceptedSocket& socket) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    if (pool.TrySubmit(socket)) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

TEST(ConnectionPoolTest, RefusesWhenEveryThreadIsBusy) {
  Gate gate;
  std::atomic<int> served{0};
  ConnectionPool pool(2, [&](AcceptedSocket) {
    gate.Wait();
    ++served;
  });
  const OpenOnExit open_on_exit{gate};
  AcceptedSocket first = Socket("a");
  AcceptedSocket second = Socket("b");
  AcceptedSocket third = Socket("c");
  ASSERT_TRUE(SubmitSoon(pool, first));
  ASSERT_TRUE(SubmitSoon(pool, second));
  ASSERT_TRUE(gate.AwaitWaiting(2));
  EXPECT_FALSE(pool.TrySubmit(third));
  EXPECT_EQ(third.peer_address, "c");  // left to the caller
  gate.Open();
  pool.Shutdown();
  EXPECT_EQ(served.load(), 2);
}

TEST(ConnectionPoolTest, ServesSubmittedConnectionsBeforeShuttingDown) {
  std::atomic<int> served{0};
  {
    ConnectionPool pool(1, [&](AcceptedSocket) {
      std::this_thread::sleep_for(10ms);
      ++served;
    });
    AcceptedSocket socket = Socket("a");
    ASSERT_TRUE(SubmitSoon(pool, socket));
  }  // the destructor waits for the handler
  EXPECT_EQ(served.load(), 1);
}

TEST(ConnectionPoolTest, RefusesAfterShutdown) {
  ConnectionPool pool(1, [](AcceptedSocket) {});
  pool.Shutdown();
  pool.Shutdown();  // idempotent
  AcceptedSocket socket = Socket("a");
  EXPECT_FALSE(pool.TrySubmit(socket));
}

}  // namespace
}  // namespace tessera::dimse
