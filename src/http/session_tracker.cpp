#include "http/session_tracker.h"

#include <vector>

#include <boost/asio/post.hpp>

namespace tessera::http {

SessionTracker::Registration::Registration(SessionTracker& tracker, net::any_io_executor executor)
    : tracker_(tracker), control_(std::make_shared<Control>()) {
  control_->executor = std::move(executor);
  const std::lock_guard lock(tracker_.mutex_);
  position_ = tracker_.sessions_.insert(tracker_.sessions_.end(), control_);
}

SessionTracker::Registration::~Registration() {
  control_->close = nullptr;
  std::function<void()> on_drained;
  {
    const std::lock_guard lock(tracker_.mutex_);
    tracker_.sessions_.erase(position_);
    if (tracker_.stopping_ && tracker_.sessions_.empty())
      on_drained = std::move(tracker_.on_drained_);
  }
  if (on_drained) on_drained();
}

void SessionTracker::BeginShutdown(std::function<void()> on_drained) {
  std::vector<std::shared_ptr<Control>> sessions;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    if (sessions_.empty()) {
      on_drained_ = nullptr;
    } else {
      on_drained_ = std::move(on_drained);
      sessions.assign(sessions_.begin(), sessions_.end());
    }
  }
  if (sessions.empty() && on_drained) on_drained();
  for (auto& control : sessions) {
    net::post(control->executor, [control] {
      if (control->idle && control->close) control->close();
    });
  }
}

void SessionTracker::ForgetDrainedCallback() {
  const std::lock_guard lock(mutex_);
  on_drained_ = nullptr;
}

std::size_t SessionTracker::live() const {
  const std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace tessera::http
