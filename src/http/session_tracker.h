#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>

#include <boost/asio/any_io_executor.hpp>

#include "http/beast.h"

namespace tessera::http {

// Knows the live sessions of a server so that a graceful shutdown can close the
// idle ones at once and let the busy ones finish their request. Thread-safe.
class SessionTracker {
 public:
  // One session's handle. `idle` and `close` are touched only on the session's
  // executor (a strand), where the tracker's close requests run too.
  struct Control {
    net::any_io_executor executor;
    bool idle = false;            // waiting for a request to begin
    std::function<void()> close;  // cancels the session's I/O; reset when it ends
  };

  // Registers a session; the returned handle unregisters it when destroyed.
  class Registration {
   public:
    Registration(SessionTracker& tracker, net::any_io_executor executor);
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration();
    Control& control() { return *control_; }

   private:
    SessionTracker& tracker_;
    std::shared_ptr<Control> control_;
    std::list<std::shared_ptr<Control>>::iterator position_;
  };

  // True once shutdown began: sessions finish the current request and close.
  bool stopping() const { return stopping_.load(); }

  // Starts a graceful shutdown: idle sessions are closed, busy ones see
  // stopping(). `on_drained` runs (on the thread that ends the last session, or
  // here when none is live) once no session is left. Later calls do nothing.
  void BeginShutdown(std::function<void()> on_drained);

  // Drops the callback given to BeginShutdown (for an owner being destroyed).
  void ForgetDrainedCallback();

  std::size_t live() const;

 private:
  mutable std::mutex mutex_;
  std::list<std::shared_ptr<Control>> sessions_;
  std::function<void()> on_drained_;
  std::atomic<bool> stopping_{false};
};

}  // namespace tessera::http
