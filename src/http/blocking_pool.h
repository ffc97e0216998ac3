#pragma once

#include <cstddef>
#include <type_traits>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>

#include "http/beast.h"

namespace tessera::http {

// Threads for blocking work (SQLite, fsync, DCMTK, argon2) so that I/O threads
// never block. Thread-safe.
class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;
  ~BlockingPool() { Stop(); }

  // Runs `fn` on a pool thread and resumes the calling coroutine on its own
  // executor with the result. `fn` must not throw.
  template <class Fn>
  Awaitable<std::invoke_result_t<Fn>> Run(Fn fn) {
    auto caller = co_await net::this_coro::executor;
    co_await net::post(pool_.get_executor(), net::use_awaitable);
    if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
      fn();
      co_await net::post(caller, net::use_awaitable);
    } else {
      auto result = fn();
      co_await net::post(caller, net::use_awaitable);
      co_return result;
    }
  }

  // Waits for queued work to finish; further Run calls must not be made.
  void Stop() {
    pool_.join();
  }

  net::thread_pool::executor_type executor() { return pool_.get_executor(); }

 private:
  net::thread_pool pool_;
};

}  // namespace tessera::http
