#pragma once

#include <cstddef>
#include <type_traits>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "http/beast.h"

namespace tessera::http {

namespace detail {
template <class R>
struct PoolSignature {
  using type = void(R);
};
template <>
struct PoolSignature<void> {
  using type = void();
};
}  // namespace detail

// Threads for blocking work (SQLite, fsync, DCMTK, argon2) so that I/O threads
// never block. Thread-safe.
class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;
  ~BlockingPool() { Stop(); }

  // Runs `fn` on a pool thread and resumes the calling coroutine on its own
  // executor (its strand) with the result. `fn` must not throw. While `fn` runs
  // the caller's io_context counts it as outstanding work, so a server shutting
  // down waits for it.
  //
  // (Posting the coroutine itself to the pool would not do: a use_awaitable
  // completion always resumes on the coroutine's executor, so `fn` would run on
  // the I/O thread.)
  template <class Fn>
  Awaitable<std::invoke_result_t<Fn>> Run(Fn fn) {
    using R = std::invoke_result_t<Fn>;
    using Signature = typename detail::PoolSignature<R>::type;
    return net::async_initiate<const net::use_awaitable_t<>&, Signature>(
        [this](auto handler, Fn work) {
          auto resume = net::prefer(net::get_associated_executor(handler),
                                    net::execution::outstanding_work.tracked);
          net::post(pool_, [handler = std::move(handler), work = std::move(work),
                            resume = std::move(resume)]() mutable {
            if constexpr (std::is_void_v<R>) {
              work();
              net::post(resume, std::move(handler));
            } else {
              net::post(resume, [handler = std::move(handler), result = work()]() mutable {
                std::move(handler)(std::move(result));
              });
            }
          });
        },
        net::use_awaitable, std::move(fn));
  }

  // Waits for queued work to finish; further Run calls must not be made.
  void Stop() { pool_.join(); }

  net::thread_pool::executor_type executor() { return pool_.get_executor(); }

 private:
  net::thread_pool pool_;
};

}  // namespace tessera::http
