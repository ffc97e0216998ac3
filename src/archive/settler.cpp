#include "archive/settler.h"

#include <utility>

#include "archive/file_ops.h"

namespace tessera::archive {

Settler::Settler(const BlobStore& blobs, std::function<void(const DeferredFileError&)> on_error)
    : blobs_(blobs), on_error_(std::move(on_error)), thread_([this] { Run(); }) {}

Settler::~Settler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void Settler::Add(const DirectorySyncSet& folders, std::span<const BlobNumber> numbers) {
  {
    std::lock_guard lock(mutex_);
    folders_.Add(folders);
    numbers_.insert(numbers_.end(), numbers.begin(), numbers.end());
    ++added_count_;
  }
  work_.notify_one();
}

void Settler::SettleNow() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = added_count_;
  if (settled_count_ >= target) return;
  hurry_ = true;
  work_.notify_one();
  settled_.wait(lock, [&] { return settled_count_ >= target; });
}

void Settler::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto has_work = [&] { return added_count_ > settled_count_; };
    work_.wait(lock, [&] { return stopping_ || has_work(); });
    // Let more commits join this round's folder fsyncs.
    work_.wait_for(lock, kDelay, [&] { return stopping_ || hurry_; });
    if (!has_work()) {
      if (stopping_) return;
      continue;
    }
    const DirectorySyncSet folders = std::exchange(folders_, {});
    const std::vector<BlobNumber> numbers = std::exchange(numbers_, {});
    const std::uint64_t taken = added_count_;
    hurry_ = false;
    lock.unlock();
    // After a failed fsync the names may not be durable: the incoming names
    // stay, and the next start-up recovery relinks from them.
    if (auto synced = folders.Sync(); synced) {
      for (const BlobNumber number : numbers) (void)RemoveFile(blobs_.AcceptedPath(number));
    } else if (on_error_) {
      on_error_(
          {"new blob names could not be made durable; their instances are safe under "
           "incoming/, and the next start relinks them",
           synced.error()});
    }
    lock.lock();
    settled_count_ = taken;
    settled_.notify_all();
  }
}

}  // namespace tessera::archive
