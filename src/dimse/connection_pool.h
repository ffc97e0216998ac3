#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "dimse/socket_listener.h"

namespace tessera::dimse {

// A fixed set of threads, each serving one connection at a time. Connections
// are never queued behind busy threads: TrySubmit refuses when none is idle, so
// the caller can reject the association at once. Thread-safe.
class ConnectionPool {
 public:
  using Handler = std::function<void(AcceptedSocket)>;

  // Starts `threads` threads (at least one) that run `handler` per connection;
  // returns once all of them wait for work.
  ConnectionPool(std::size_t threads, Handler handler);
  ~ConnectionPool();  // Shutdown()
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Hands `socket` to an idle thread and returns true; returns false, leaving
  // `socket` untouched, when every thread is busy or the pool is shut down.
  bool TrySubmit(AcceptedSocket& socket);

  // Lets the handlers that are running finish, then joins the threads.
  // Idempotent.
  void Shutdown();

 private:
  void Work();

  Handler handler_;
  std::mutex mutex_;
  std::condition_variable ready_;     // work arrived or shutdown
  std::condition_variable started_;   // a thread became idle
  std::deque<AcceptedSocket> queue_;  // never longer than idle_
  std::size_t idle_ = 0;
  bool shut_down_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tessera::dimse
