#include "dimse/connection_pool.h"

#include <algorithm>

namespace tessera::dimse {

ConnectionPool::ConnectionPool(std::size_t threads, Handler handler)
    : handler_(std::move(handler)) {
  threads = std::max<std::size_t>(threads, 1);
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  // Once constructed, the pool takes `threads` connections at once.
  std::unique_lock lock(mutex_);
  started_.wait(lock, [this, threads] { return idle_ == threads; });
}

ConnectionPool::~ConnectionPool() { Shutdown(); }

bool ConnectionPool::TrySubmit(AcceptedSocket& socket) {
  {
    std::lock_guard lock(mutex_);
    if (shut_down_ || queue_.size() >= idle_) return false;
    queue_.push_back(std::move(socket));
  }
  ready_.notify_one();
  return true;
}

void ConnectionPool::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void ConnectionPool::Work() {
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    started_.notify_all();
    ready_.wait(lock, [this] { return shut_down_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // shut down with nothing left to serve
    AcceptedSocket socket = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    handler_(std::move(socket));
    lock.lock();
  }
}

}  // namespace tessera::dimse
